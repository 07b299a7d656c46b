/** The log database against the real PostgreSQL: background writes, error_summary, partitions. */
import assert from "node:assert/strict";
import { LogDbWriter, LogReader, partitionName, PostgresDb } from "../db/mod.ts";
import { UpstreamError, ValidationError } from "../lib/errors.ts";
import { createLogger, setLogSink } from "../lib/log.ts";
import { DATABASE_URL, uniqueName, until } from "./helpers/mod.ts";
import { setLogLevel } from "../lib/log.ts";
import { logRoutes } from "../routes/logs.ts";
import { onError } from "../routes/_http.ts";

setLogLevel("silent");

const opts = { sanitizeOps: false, sanitizeResources: false };

async function logSchema() {
  const schema = uniqueName("it_logs", "_").replaceAll("-", "_");
  const db = new PostgresDb({ url: DATABASE_URL, schema });
  await db.exec(`CREATE SCHEMA ${schema}`);
  return {
    db,
    async dispose() {
      setLogSink(null);
      await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await db.close();
    },
  };
}

Deno.test(
  "error_summary counts match the injected errors by component, category and code",
  opts,
  async () => {
    const s = await logSchema();
    const writer = new LogDbWriter(s.db, { level: "warn", flushMs: 20, role: "test" });
    try {
      await writer.prepare();
      setLogSink(writer.start());
      const a = createLogger("it").child("worker-a");
      const b = createLogger("it").child("worker-b");
      for (let i = 0; i < 7; i++) a.error("bad record", { err: new ValidationError("x: bad") });
      for (let i = 0; i < 3; i++) {
        a.error("db down", { err: new UpstreamError("DATABASE_UNAVAILABLE", "refused") });
      }
      for (let i = 0; i < 4; i++) {
        b.error("ollama", {
          err: new UpstreamError("OLLAMA_TIMEOUT", "slow"),
        });
      }
      b.error("kafka", { err: new UpstreamError("KAFKA_UNAVAILABLE", "gone") });
      b.fatal("escalated", { err: new Error("boom") });
      b.info("not stored: below LOG_DB_LEVEL");
      b.warn("stored, not an error");
      const reader = new LogReader(s.db);
      await until(
        "17 lines stored",
        async () => (await reader.lines({ limit: 100 })).length === 17,
      );
      const summary = (await reader.errors(100)).map((r) =>
        `${r.component} ${r.category} ${r.code} ${r.count}`
      ).sort();
      assert.deepEqual(summary, [
        "it.worker-a database DATABASE_UNAVAILABLE 3",
        "it.worker-a validation VALIDATION 7",
        "it.worker-b broker KAFKA_UNAVAILABLE 1",
        "it.worker-b internal Error 1",
        "it.worker-b model OLLAMA_TIMEOUT 4",
      ]);
      const fatal = await reader.lines({ level: "fatal", limit: 10 });
      assert.equal(fatal.length, 1);
      assert.equal(fatal[0].role, "test");
      assert.equal((await reader.lines({ component: "it.worker-a", limit: 100 })).length, 10);
      // The route reads the same.
      const app = logRoutes(reader).onError(onError);
      const lines = await (await app.request("/?level=fatal")).json();
      assert.equal(lines.lines[0].msg, "escalated");
      const errors = await (await app.request("/errors")).json();
      assert.equal(errors.errors[0].count, 7);
      assert.equal((await app.request("/?level=loud")).status, 400);
    } finally {
      await writer.close();
      await s.dispose();
    }
  },
);

Deno.test("day partitions are created ahead and dropped after the retention", opts, async () => {
  const s = await logSchema();
  const writer = new LogDbWriter(s.db, { retentionDays: 3 });
  try {
    const now = new Date("2026-11-30T12:00:00Z");
    await writer.prepare(now);
    const old = new Date("2026-11-20T05:00:00Z");
    await writer.ensurePartition(old);
    const names = async () =>
      (await s.db.query<{ t: string }>(
        `SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()
         AND tablename LIKE 'logs\\_%' ORDER BY 1`,
      )).map((r) => r.t);
    assert.deepEqual(await names(), [
      "logs_20261120",
      "logs_20261129",
      "logs_20261130",
      "logs_20261201",
    ]);
    assert.deepEqual(await writer.dropExpired(now), [partitionName(old)]);
    assert.deepEqual(await names(), ["logs_20261129", "logs_20261130", "logs_20261201"]);
  } finally {
    await writer.close();
    await s.dispose();
  }
});

Deno.test(
  "with the log database away, logging never blocks and dropped lines are counted",
  opts,
  async () => {
    const db = new PostgresDb({ url: "postgres://postgres@127.0.0.1:1/test" });
    const writer = new LogDbWriter(db, { capacity: 10, flushMs: 10 });
    try {
      setLogSink(writer.start());
      const log = createLogger("it").child("away");
      const started = performance.now();
      for (let i = 0; i < 100; i++) log.error("lost", { err: new Error(`n${i}`) });
      // 100 calls only enqueue: no database round trip on the logging path.
      assert.ok(performance.now() - started < 1_000);
      assert.equal(writer.queued, 10);
      assert.equal(writer.dropped, 90);
      await writer.flush();
      assert.ok(writer.queued <= 10);
    } finally {
      setLogSink(null);
      await writer.close();
      await db.close();
    }
  },
);
