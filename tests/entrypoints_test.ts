/**
 * Every role's entrypoint, run alone as `deno run main.ts <role>` with exactly the permissions
 * that `deno task compile` bakes into its binary (`deno compile` itself needs the internet), on
 * the real Kafka and PostgreSQL: it starts under its supervisor, and SIGTERM stops it with exit 0.
 */
import assert from "node:assert/strict";
import { deadline } from "../lib/deadline.ts";
import { ROLES } from "../actors/roles.ts";
import { compiledPermissions, TARGETS } from "../scripts/compile.ts";
import { listeningUrl, RoleProcess, sandbox, uniqueName, until } from "./helpers/mod.ts";
import { bearer, TEST_TOKENS } from "./helpers/api_key.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SAMPLE = new URL("../samples/jetstream_sample.ndjson", import.meta.url).pathname;

/** Whether the process logged that its root supervisor started the child `role`. */
function started(p: RoleProcess, role: string): boolean {
  return p.output.split("\n").some((line) => {
    if (!line.startsWith("{")) return false;
    try {
      const e = JSON.parse(line) as { msg?: string; child?: string; supervisor?: string };
      return e.msg === "child started" && e.child === role;
    } catch {
      return false;
    }
  });
}

for (const role of TARGETS.filter((t) => t !== "cli")) {
  Deno.test(
    `main.ts ${role} starts alone with the compiled binary's permissions`,
    opts,
    async () => {
      const lake = await Deno.makeTempDir({ prefix: "sluice-entry-lake-" });
      // `all` runs at debug, so every log line of every role is serialised at least once.
      const s = await sandbox({
        LOG_LEVEL: role === "all" ? "debug" : "info",
        FIREHOSE_REPLAY_FILE: SAMPLE,
        LAKE_DIR: lake,
      });
      const p = new RoleProcess(role, s.env, compiledPermissions(role));
      try {
        const children = role === "all" ? [...ROLES] : [role];
        await until(`${role} to start`, () => children.every((c) => started(p, c)), 60_000);
        p.kill("SIGTERM");
        const st = await p.exited;
        assert.equal(st.code, 0, `${role} exit code after SIGTERM\n${p.output.slice(-3000)}`);
        assert.match(p.output, /stopped cleanly/);
        const lines = p.output.split("\n").filter((l) => l.startsWith("{"));
        for (const l of lines) JSON.parse(l);
        if (role === "all") assert.match(p.output, /"level":"debug"/);
      } finally {
        p.kill("SIGKILL");
        await p.exited;
        await s.dispose();
        await Deno.remove(lake, { recursive: true });
      }
    },
  );
}

Deno.test("GET /stats answers 200 while a pipeline's topic does not exist yet", opts, async () => {
  const absent = uniqueName("it-never-created");
  const s = await sandbox({ ORDER_TOPIC: absent, ORDER_GROUP: `${absent}-processors` });
  const p = new RoleProcess("api", s.env);
  try {
    const res = await fetch(`${await listeningUrl(p)}/stats`);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.orders.consumerGroup.partitions, []);
    assert.equal(body.orders.consumerGroup.topic, absent);
  } finally {
    await p.dispose();
    await s.dispose();
  }
});

Deno.test(
  "the api role loads the analyzer on the first POST /analyze and answers it",
  opts,
  async () => {
    const s = await sandbox();
    const p = new RoleProcess("api", s.env);
    try {
      const url = await listeningUrl(p);
      for (
        const text of ["Apple shares plunge after weak iPhone sales", "Bitcoin rallies to a record"]
      ) {
        const res = await fetch(`${url}/analyze`, {
          method: "POST",
          headers: { "content-type": "application/json", ...bearer(TEST_TOKENS.write) },
          body: JSON.stringify({ texts: [text] }),
        });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.results.length, 1);
        assert.ok(
          ["positive", "negative"].includes(body.results[0].sentiment),
          JSON.stringify(body),
        );
      }
    } finally {
      await p.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "an order producer given ORDER_COUNT sends them all and exits 0 by itself",
  opts,
  async () => {
    const s = await sandbox({ ORDER_COUNT: "7", ORDER_RATE: "100", LOG_LEVEL: "info" });
    const p = new RoleProcess("order-producer", s.env, compiledPermissions("order-producer"));
    try {
      const st = await deadline(p.exited, 60_000).catch(() => null);
      assert.ok(st, `the producer did not exit\n${p.output.slice(-3000)}`);
      assert.equal(st.code, 0, p.output.slice(-3000));
      const admin = await s.kafka.admin();
      assert.equal(await admin.topicSize(s.orderTopic), 7);
    } finally {
      await p.dispose();
      await s.dispose();
    }
  },
);
