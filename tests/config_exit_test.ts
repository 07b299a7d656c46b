/**
 * A role started with a bad configuration exits 2 within seconds, with one readable line naming
 * the variable, instead of crashing later, retrying forever or printing pages of stacks.
 */
import assert from "node:assert/strict";
import { deadline } from "../lib/deadline.ts";
import { DATABASE_URL, KAFKA_BROKERS, RoleProcess } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function refused(role: string, env: Record<string, string>): Promise<string> {
  const started = Date.now();
  const p = new RoleProcess(role, { LOG_LEVEL: "info", ...env });
  try {
    const st = await deadline(p.exited, 20_000).catch(() => null);
    assert.ok(st, `${role} did not exit within 20 s\n${p.output.slice(-2_000)}`);
    assert.equal(st.code, 2, p.output.slice(-2_000));
    assert.ok(Date.now() - started < 20_000);
    const lines = p.output.split("\n").filter((l) => l.startsWith("sluice: "));
    assert.ok(lines.length >= 1, p.output);
    // No stack traces and no pages of client errors: a few lines at most.
    assert.doesNotMatch(p.output, /\n\s+at /);
    assert.ok(p.output.split("\n").length < 10, p.output);
    return lines.join("\n");
  } finally {
    await p.dispose();
  }
}

Deno.test(
  "a window that is not a multiple of the slide names both variables and exits 2",
  opts,
  async () => {
    const out = await refused("aggregator", { TREND_WINDOW_S: "60", TREND_SLIDE_S: "7" });
    assert.match(out, /TREND_WINDOW_S=60 must be a multiple of TREND_SLIDE_S=7/);
  },
);

Deno.test("every bad variable is reported at once, not only the first", opts, async () => {
  const out = await refused("api", { PORT: "eighty", LOG_LEVEL: "loud", TOPIC_PARTITIONS: "0" });
  for (const v of ["PORT", "LOG_LEVEL", "TOPIC_PARTITIONS"]) assert.match(out, new RegExp(v));
});

Deno.test("WRITER_SINKS=mongodb without MONGODB_URL exits 2 at once", opts, async () => {
  const out = await refused("writer", { WRITER_SINKS: "mongodb" });
  assert.match(out, /MONGODB_URL must be set when WRITER_SINKS names mongodb/);
});

Deno.test("a missing FIREHOSE_REPLAY_FILE exits 2 naming the file", opts, async () => {
  const out = await refused("firehose", { FIREHOSE_REPLAY_FILE: "/nonexistent/sample.ndjson" });
  assert.match(out, /FIREHOSE_REPLAY_FILE=\/nonexistent\/sample.ndjson does not exist/);
});

for (const [role, variable] of [["api", "PORT"], ["ingest", "INGEST_PORT"]] as const) {
  Deno.test(`a busy ${variable} exits 2 naming the port (${role})`, opts, async () => {
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (busy.addr as Deno.NetAddr).port;
      const out = await refused(role, { [variable]: String(port), HOST: "127.0.0.1" });
      assert.match(out, new RegExp(`\\b${variable}=${port} on HOST=127.0.0.1 is already in use`));
    } finally {
      busy.close();
    }
  });
}

Deno.test("an unreachable broker exits 2 with one line naming KAFKA_BROKERS", opts, async () => {
  const out = await refused("text-writer", {
    KAFKA_BROKERS: "127.0.0.1:1",
    DATABASE_URL,
    STARTUP_TIMEOUT_MS: "1500",
  });
  assert.match(
    out,
    /KAFKA_BROKERS=127.0.0.1:1: no broker answers within 1.5 s \(connection refused\)/,
  );
});

Deno.test("an unknown role says so and exits 2", opts, async () => {
  const out = await refused("nonsense", { KAFKA_BROKERS });
  assert.match(out, /Unknown role: nonsense/);
});
