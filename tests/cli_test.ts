/**
 * The embedded default end to end: `main.ts all` with no services configured (in-memory broker,
 * PGlite in a temporary folder), driven by the CLI as a separate process.
 */
import assert from "node:assert/strict";
import { listeningUrl, RoleProcess, TEST_API_TOKEN, until } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const main = new URL("../main.ts", import.meta.url).pathname;

async function cli(url: string, ...args: string[]) {
  const env: Record<string, string> = { ...Deno.env.toObject(), SLUICE_API_KEY: TEST_API_TOKEN };
  delete env.SLUICE_CLI_TIMEOUT_S;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-sys",
      main,
      "cli",
      "--url",
      url,
      ...args,
    ],
    stdin: "null",
    env,
    clearEnv: true,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the CLI drives `main.ts all` on the embedded defaults", opts, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-cli-" });
  const proc = new RoleProcess("all", {
    KAFKA_BROKERS: "",
    DATABASE_URL: "",
    PGLITE_DIR: `${dir}/pglite`,
    LAKE_DIR: `${dir}/lake`,
    // The recorded sample, not the live Bluesky network (a test must not depend on it).
    FIREHOSE_REPLAY_FILE: "samples/jetstream_sample.ndjson",
    PORT: "0",
    LOG_LEVEL: "warn",
  });
  try {
    const url = await listeningUrl(proc);

    await t.step("health shows the supervised children", async () => {
      const r = await cli(url, "health");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /status: ok/);
      assert.match(r.stdout, /text-writer\/consumer\s+running/);
    });

    // The seed's own example id: any printable id is accepted, not only UUIDs.
    const id = "test-123";
    await t.step("create --wait stores the message and get shows it", async () => {
      const c = await cli(url, "create", "hello", "cli", "--id", id, "--wait");
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, /status: stored/);
      const g = await cli(url, "--format", "json", "get", id);
      assert.equal(g.code, 0, g.stderr);
      assert.equal(JSON.parse(g.stdout).message, "hello cli");
    });

    await t.step("send-file sends one message per line with a summary", async () => {
      const path = `${dir}/lines.txt`;
      const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
      await Deno.writeTextFile(path, lines.join("\n") + "\n\n");
      const r = await cli(url, "--format", "json", "send-file", path);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      assert.equal(summary.sent, 50);
      assert.equal(summary.failed, 0);
      await until("51 rows", async () => {
        const s = await cli(url, "--format", "json", "stats");
        return JSON.parse(s.stdout).messages.total === 51;
      });
    });

    await t.step("list and stats print readable tables", async () => {
      const l = await cli(url, "list", "--limit", "5");
      assert.equal(l.code, 0, l.stderr);
      assert.match(l.stdout, /^ID\s+MESSAGE\s+CREATED_AT/);
      assert.equal(l.stdout.trim().split("\n").length, 7);
      const s = await cli(url, "stats");
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /messages\.total: 51/);
      assert.match(s.stdout, /PARTITION\s+COMMITTED\s+HIGH\s+LAG/);
      const sections = s.stdout.split("\n").filter((l) => l.startsWith("== "));
      assert.deepEqual(sections, ["== text messages", "== orders", "== social", "== process"]);
      assert.match(s.stdout, /^consumer group order-processors /m);
      assert.match(s.stdout, /^firehose\.source: replay$/m);
      assert.match(s.stdout, /^text-writer\/consumer\s+running/m);
    });

    await t.step("errors: bad input, unreachable server, unknown command", async () => {
      const bad = await cli(url, "get", "x".repeat(129));
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^sluice cli: HTTP 400.*"field":"id"/);
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const closed = `http://127.0.0.1:${l.addr.port}`;
      l.close();
      const down = await cli(closed, "health");
      assert.equal(down.code, 3);
      assert.match(
        down.stderr,
        new RegExp(`^sluice cli: cannot connect to ${closed} .*deno task dev`),
      );
      const unknown = await cli(url, "frobnicate");
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown command: frobnicate/);
    });

    await t.step("SIGTERM stops `all` cleanly with exit code 0", async () => {
      proc.kill("SIGTERM");
      const st = await proc.exited;
      assert.equal(st.code, 0, proc.output.slice(-2_000));
    });
  } finally {
    await proc.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "`main.ts cli` gives up on a server that never answers, one line and exit 3",
  opts,
  async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const conns: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) conns.push(conn);
    })();
    const url = `http://127.0.0.1:${listener.addr.port}`;
    try {
      const r = await cli(url, "--timeout", "0.5", "stats");
      assert.equal(r.code, 3);
      assert.equal(r.stderr, `sluice cli: GET ${url}/stats did not answer within 0.5 s\n`);
    } finally {
      listener.close();
      await accepting.catch(() => {});
      for (const c of conns) c.close();
    }
  },
);
