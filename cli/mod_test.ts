/**
 * The CLI in process against the real routes served over HTTP, on in-memory parts (PGlite,
 * the memory broker and a running text writer). `tests/cli_test.ts` drives `main.ts cli` as
 * a separate process against `main.ts all`.
 */
import assert from "node:assert/strict";
import type { ChildState } from "../runtime/supervisor.ts";
import { testApp } from "../tests/helpers/test_app.ts";
import { runCli } from "./mod.ts";
import type { Io } from "./mod.ts";
import { sendFile } from "./send_file.ts";
import { TEST_API_TOKEN } from "../tests/helpers/api_key.ts";
import { findKey, parseApiKeys } from "../lib/api_keys.ts";

// The CLI sends SLUICE_API_KEY; the test app knows the suite's keys.
Deno.env.set("SLUICE_API_KEY", TEST_API_TOKEN);

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the CLI with its output captured. */
async function cli(...args: string[]) {
  // Each test says its own timeout; one set in the environment must not leak in.
  Deno.env.delete("SLUICE_CLI_TIMEOUT_S");
  const out: string[] = [], err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await runCli(args, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

Deno.test("the CLI against the API", async (t) => {
  const { app, store, close } = await testApp();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir({ prefix: "sluice-cli-" });
  const run = (...args: string[]) => cli("--url", url, ...args);
  try {
    await t.step("health prints the status and a table of children", async () => {
      const r = await run("health");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^status: ok {2}uptime: \d+s/);
      assert.match(r.stdout, /\(none\)/);
    });

    const id = crypto.randomUUID();
    await t.step("create --wait stores the message; get shows it as key-values", async () => {
      const c = await run("create", "hello", "from", "cli", "--id", id, "--wait");
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, new RegExp(`^id: ${id}$`, "m"));
      assert.match(c.stdout, /^status: stored$/m);
      assert.match(c.stdout, /^message\.message: hello from cli$/m);
      const g = await run("get", id);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stdout, /^message: hello from cli$/m);
      assert.match(g.stdout, /^created_at: /m);
    });

    await t.step("create sends text with any printable id, such as test-123", async () => {
      const c = await run("create", "seed", "example", "--id", "test-123", "--wait");
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, /^status: stored$/m);
      const g = await run("--format", "json", "get", "test-123");
      assert.equal(g.code, 0, g.stderr);
      assert.equal(JSON.parse(g.stdout).message, "seed example");
    });

    await t.step("analyze prints the finance analysis of one text", async () => {
      const a = await run("analyze", "Apple", "shares", "fell", "3%");
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stdout, /^sentiment: negative$/m);
      assert.match(a.stdout, /^asset_class: equity$/m);
      const bad = await run("analyze", "x", "--backend", "gpt");
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /backend/);
    });

    await t.step("create without --wait is accepted with its place on the topic", async () => {
      const c = await run("--format", "json", "create", "no wait");
      assert.equal(c.code, 0, c.stderr);
      const b = JSON.parse(c.stdout);
      assert.equal(b.status, "accepted");
      assert.equal(b.topic, "text-messages");
      await until("the row", async () => (await store.get(b.id)) !== null);
    });

    await t.step("send-file sends every non-empty line and summarises", async () => {
      const path = `${dir}/lines.txt`;
      const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
      await Deno.writeTextFile(path, lines.join("\n") + "\n\n  \n");
      const r = await run("--format", "json", "send-file", path);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      assert.equal(s.sent, 50);
      assert.equal(s.failed, 0);
      assert.deepEqual(s.errors, []);
      assert.equal(typeof s.seconds, "number");
      assert.equal(typeof s.perSecond, "number");
      await until("53 rows", async () => (await store.stats()).total === 53);
    });

    await t.step("list --format json answers the page as the server sent it", async () => {
      const r = await run("--format", "json", "list", "--limit", "5", "--offset", "1");
      assert.equal(r.code, 0, r.stderr);
      const b = JSON.parse(r.stdout);
      assert.equal(b.items.length, 5);
      assert.equal(b.limit, 5);
      assert.equal(b.offset, 1);
    });

    await t.step("list and stats print aligned tables, stats with every section", async () => {
      const l = await run("list", "--limit", "3");
      assert.equal(l.code, 0, l.stderr);
      const rows = l.stdout.split("\n");
      assert.match(rows[0], /^ID\s+MESSAGE\s+CREATED_AT$/);
      assert.equal(rows.length, 5);
      assert.equal(rows[2].indexOf("  ", 36), rows[0].indexOf("MESSAGE") - 2);
      const s = await run("stats");
      assert.equal(s.code, 0, s.stderr);
      const sections = s.stdout.split("\n").filter((l) => l.startsWith("== "));
      assert.deepEqual(sections, ["== text messages", "== orders", "== social", "== process"]);
      assert.match(s.stdout, /^messages\.total: 53$/m);
      assert.match(s.stdout, /^counters\.written: \d+$/m);
      assert.match(s.stdout, /^deadLetterTopic\.topic: text-messages\.dlq$/m);
      assert.match(s.stdout, /consumer group text-writers \(\w+, 1 members, lag \d+\)/);
      assert.match(s.stdout, /^PARTITION\s+COMMITTED\s+HIGH\s+LAG$/m);
      assert.match(s.stdout, /^rows: 0$/m);
      assert.match(s.stdout, /^counters\.processed: 0$/m);
      assert.match(s.stdout, /^produced\.delivered: 0$/m);
      assert.match(s.stdout, /^consumer group order-processors \(\w+, 0 members, lag 0\)/m);
      assert.match(s.stdout, /^firehose: -$/m);
      assert.match(s.stdout, /^restarts: 0$/m);
      assert.match(s.stdout, /^children\n\(none\)$/m);
    });

    await t.step("an HTTP error prints the server's error and exits 1", async () => {
      const r = await run("get", "x".repeat(129));
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^sluice cli: HTTP 400: \{"error":"id: must be at most 128 characters","field":"id"\}$/,
      );
      const missing = await run("get", "no such id");
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^sluice cli: HTTP 404: .*not found/);
    });

    await t.step("a file that cannot be read exits 1 naming it", async () => {
      const r = await run("send-file", `${dir}/absent.txt`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^sluice cli: cannot read .*absent\.txt: /);
    });
  } finally {
    await server.shutdown();
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a 401 says which variable to set; key create prints a token and its entry", async () => {
  const { app, close } = await testApp((d) => ({ auth: { ...d.auth, keys: [] } }));
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  try {
    const r = await cli("--url", `http://127.0.0.1:${server.addr.port}`, "create", "hi");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^sluice cli: HTTP 401: .*API_KEYS.*: set SLUICE_API_KEY/);
  } finally {
    await server.shutdown();
    await close();
  }
  const k = await cli("--format", "json", "key", "create", "ci", "--scopes", "read,write");
  assert.equal(k.code, 0, k.stderr);
  const { token, entry, scopes } = JSON.parse(k.stdout);
  assert.equal(scopes, "read,write");
  const keys = parseApiKeys(entry);
  assert.equal((findKey(keys, token))?.name, "ci");
  const table = await cli("key", "create", "ci");
  assert.match(
    table.stdout,
    /^token \(shown once.*: sluice_\S+\nserver: add to API_KEYS.*: ci:write:[0-9a-f]{64}$/,
  );
  const bad = await cli("key", "create", "ci", "--scopes", "root");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^--scopes must be/);
});

Deno.test("stats prints the children and the firehose as the server reports them", async () => {
  const child: ChildState = {
    id: "text-writer/consumer",
    status: "running",
    restarts: 1,
    lastError: "broker gone",
    since: "2026-01-01T00:00:00.000Z",
  };
  const { app, close } = await testApp(() => ({
    children: () => [child],
    restarts: () => 1,
    firehose: () => ({
      source: "replay",
      state: "connected",
      since: "2026-01-01T00:00:00.000Z",
      cursorUs: 1,
      lastEventUs: 2,
      lagSeconds: 0.5,
      reconnects: 0,
      counts: { post: 3, delete: 0, skipped: 1, malformed: 0, invalid: 0, oversize: 0 },
      lastError: null,
      sendFailures: 0,
    }),
  }));
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  try {
    const r = await cli("--url", `http://127.0.0.1:${server.addr.port}`, "stats");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^firehose\.state: connected$/m);
    assert.match(r.stdout, /^firehose\.counts\.post: 3$/m);
    assert.match(r.stdout, /^restarts: 1$/m);
    assert.match(r.stdout, /^ID\s+STATUS\s+RESTARTS\s+LASTERROR\s+SINCE$/m);
    assert.match(r.stdout, /^text-writer\/consumer\s+running\s+1\s+broker gone\s+2026-01-01/m);
  } finally {
    await server.shutdown();
    await close();
  }
});

/** A port nothing listens on: taken from the system, then let go. */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr;
  l.close();
  return port;
}

Deno.test("the CLI says when the API is down, naming the URL and `deno task dev`, exit 3", async () => {
  const url = `http://127.0.0.1:${closedPort()}`;
  const r = await cli("--url", url, "stats");
  assert.equal(r.code, 3);
  assert.equal(
    r.stderr,
    `sluice cli: cannot connect to ${url} (connection refused): is the API running? ` +
      "Start it with `deno task dev`, or point --url or SLUICE_URL at it",
  );
});

/** A server that accepts connections and never answers; `close` lets them go. */
function silentServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn);
  })();
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    async close() {
      listener.close();
      await accepting.catch(() => {});
      for (const c of conns) c.close();
    },
  };
}

Deno.test("a request the server never answers times out with one line, exit 3", async () => {
  const server = silentServer();
  try {
    const started = performance.now();
    const r = await cli("--url", server.url, "--timeout", "0.2", "stats");
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `sluice cli: GET ${server.url}/stats did not answer within 0.2 s`);
    assert.ok(performance.now() - started < 5_000);

    Deno.env.set("SLUICE_CLI_TIMEOUT_S", "0.3");
    const code = await runCli(["--url", server.url, "health"], {
      out: () => {},
      err: (l) =>
        assert.equal(l, `sluice cli: GET ${server.url}/health did not answer within 0.3 s`),
    });
    assert.equal(code, 3);
  } finally {
    Deno.env.delete("SLUICE_CLI_TIMEOUT_S");
    await server.close();
  }
});

Deno.test("the CLI answers usage errors with the usage text and exit 2", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["frobnicate"], /^unknown command: frobnicate/],
    [[], /^a command is needed/],
    [["get"], /^get needs <id>/],
    [["get", "a", "b"], /^get takes one <id>, got 2/],
    [["create"], /^create needs a <text>/],
    [["send-file"], /^send-file needs <path>/],
    [["--bogus", "health"], /Unknown option '--bogus'/],
    [["--format", "yaml", "health"], /^--format must be table, json or ndjson/],
    [["list", "--limit", "ten"], /^--limit must be a non-negative integer/],
    [["list", "--offset", "-1"], /--offset/],
    [["--timeout", "0", "health"], /^--timeout must be a positive number of seconds/],
    [["--timeout", "ten", "health"], /^--timeout must be a positive number of seconds/],
    [["--timeout", "", "health"], /^--timeout must be a positive number of seconds/],
  ];
  for (const [args, message] of cases) {
    const r = await cli("--url", `http://127.0.0.1:${closedPort()}`, ...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
    assert.match(r.stderr, /^usage: sluice cli/m, args.join(" "));
  }
});

Deno.test("help and --help print the usage on stdout, exit 0", async () => {
  for (const args of [["help"], ["--help"], ["list", "-h"]]) {
    const r = await cli(...args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: sluice cli/);
    assert.match(r.stdout, /send-file <path>/);
  }
});

Deno.test("sendFile counts failures, keeps the first few and prints plain progress", async () => {
  let calls = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => {
    calls++;
    return calls % 2 === 0
      ? Response.json({ error: "text: must not be empty", field: "text" }, { status: 400 })
      : Response.json({ status: "accepted" }, { status: 202 });
  });
  const err: string[] = [];
  try {
    const s = await sendFile(
      `http://127.0.0.1:${server.addr.port}`,
      Array.from({ length: 20 }, (_, i) => `m${i}`),
      { out: () => {}, err: (l) => err.push(l) },
      { concurrency: 4, tty: false, progressMs: 0 },
    );
    assert.equal(s.sent, 10);
    assert.equal(s.failed, 10);
    assert.equal(s.errors.length, 5);
    assert.match(s.errors[0], /^HTTP 400: .*must not be empty/);
    assert.ok(err.length > 0);
    assert.match(err[0], /^sent \d+\/20 \(\d+ failed\)$/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("sendFile posts {text} and counts a POST that never answers as failed", async () => {
  const bodies: unknown[] = [];
  const ok = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    bodies.push(await req.json());
    return Response.json({ status: "accepted" }, { status: 202 });
  });
  const silent = silentServer();
  const io = { out: () => {}, err: () => {} };
  try {
    const sent = await sendFile(`http://127.0.0.1:${ok.addr.port}`, ["a", "b"], io, { tty: false });
    assert.equal(sent.sent, 2);
    assert.deepEqual(bodies.sort(), [{ text: "a" }, { text: "b" }]);
    const s = await sendFile(silent.url, ["x"], io, { tty: false, timeoutMs: 100 });
    assert.equal(s.failed, 1);
    assert.deepEqual(s.errors, [`POST ${silent.url}/messages did not answer within 0.1 s`]);
  } finally {
    await ok.shutdown();
    await silent.close();
  }
});
