/**
 * Outages as separate processes see them: PostgreSQL cut away behind a TCP proxy (the shared
 * server is never touched), a SIGTERM in the middle of it, and the order producer riding it out.
 */
import assert from "node:assert/strict";
import {
  committedTotal,
  DATABASE_URL,
  produceTexts,
  RoleProcess,
  rowCount,
  sandbox,
  textMessages,
  until,
} from "./helpers/mod.ts";
import { TcpProxy } from "./helpers/tcp_proxy.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A proxy in front of the shared PostgreSQL, and DATABASE_URL pointing at it. */
export function databaseProxy(): { proxy: TcpProxy; url: string } {
  const u = new URL(DATABASE_URL);
  const proxy = TcpProxy.start({ hostname: u.hostname, port: Number(u.port || 5432) });
  u.hostname = "127.0.0.1";
  u.port = String(proxy.port);
  return { proxy, url: u.toString() };
}

Deno.test(
  "SIGTERM while the database is down exits 0 at once and commits nothing unstored",
  opts,
  async () => {
    const { proxy, url } = databaseProxy();
    const s = await sandbox({ WRITER_BATCH_SIZE: "100", LOG_LEVEL: "info" });
    const p = new RoleProcess("text-writer", { ...s.env, DATABASE_URL: url });
    try {
      await produceTexts(s, textMessages(500, "before"));
      await until("the first rows stored", async () => (await rowCount(s)).total === 500, 60_000);
      await until("their offsets committed", async () => (await committedTotal(s)) === 500);
      proxy.cut();
      await produceTexts(s, textMessages(500, "during"));
      await until("the writer retrying", () => /insert failed, retrying/.test(p.output), 30_000);
      const t0 = performance.now();
      p.kill("SIGTERM");
      const st = await p.exited;
      const took = performance.now() - t0;
      console.log(`SIGTERM during a database outage: exit ${st.code} in ${Math.round(took)} ms`);
      assert.equal(st.code, 0, `exit 0, output:\n${p.output.slice(-3_000)}`);
      assert.ok(took < 10_000, `exited in ${took} ms, well within SHUTDOWN_TIMEOUT_MS`);
      assert.equal((await rowCount(s)).total, 500);
      assert.equal(await committedTotal(s), 500, "nothing of the unstored batch is committed");
    } finally {
      proxy.close();
      await p.dispose();
      await s.dispose();
    }
  },
);
