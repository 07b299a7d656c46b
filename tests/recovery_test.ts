/**
 * Outages as separate processes see them: PostgreSQL cut away behind a TCP proxy (the shared
 * server is never touched), a SIGTERM in the middle of it, and the order producer riding it out.
 */
import assert from "node:assert/strict";
import {
  committedTotal,
  produceTexts,
  readTopic,
  RoleProcess,
  rowCount,
  sandbox,
  textMessages,
  until,
} from "./helpers/mod.ts";
import type { Sandbox } from "./helpers/mod.ts";
import { databaseProxy } from "./helpers/tcp_proxy.ts";
import { KafkaBroker } from "./helpers/kafka_broker.ts";
import { KafkaTransport } from "../transport/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

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

/** Orders a run has delivered, as saved in its ledger (0 before the first save). */
async function runSent(s: Sandbox, runId = "default"): Promise<number> {
  const rows = await s.db.query<{ sent: string }>(
    `SELECT sent FROM order_producer_runs WHERE run_id = $1`,
    [runId],
  ).catch(() => []);
  return Number(rows[0]?.sent ?? 0);
}

Deno.test(
  "the order producer rides out a database outage and a SIGKILL: ORDER_COUNT orders in all",
  opts,
  async () => {
    const { proxy, url } = databaseProxy();
    const count = 400;
    const s = await sandbox({ ORDER_COUNT: String(count), ORDER_RATE: "40", LOG_LEVEL: "info" });
    const env = { ...s.env, DATABASE_URL: url };
    const first = new RoleProcess("order-producer", env);
    let second: RoleProcess | null = null, third: RoleProcess | null = null;
    try {
      await until("the run under way", async () => (await runSent(s)) >= 40, 60_000);
      proxy.cut();
      // Past the ids it holds (its block and the one reserved ahead) it must wait for the
      // database: it retries instead of crashing.
      await until(
        "the producer waiting for an id block",
        () => /reserving order ids failed, retrying/.test(first.output),
        30_000,
      );
      const atOutage = await s.kafka.admin().then((a) => a.topicSize(s.orderTopic));
      assert.ok(atOutage > 40, `kept producing from held ids during the outage (${atOutage})`);
      proxy.restore();
      await until("the run going on", async () => (await runSent(s)) >= 250, 60_000);
      first.kill("SIGKILL");
      await first.exited;
      assert.doesNotMatch(first.output, /escalat/);
      const killedAt = await runSent(s);
      second = new RoleProcess("order-producer", env);
      const st = await second.exited;
      assert.equal(st.code, 0, second.output.slice(-2_000));
      assert.match(second.output, /resuming the producer run/);
      assert.equal(await runSent(s), count);
      // The same run again: complete, nothing more is sent.
      third = new RoleProcess("order-producer", env);
      assert.equal((await third.exited).code, 0);

      const admin = await s.kafka.admin();
      const total = await admin.topicSize(s.orderTopic);
      const ids = new Set(
        (await readTopic(s, s.orderTopic, total)).map((m) =>
          JSON.parse(new TextDecoder().decode(m.value!)).order_id
        ),
      );
      console.log(
        `order producer: ${count} orders asked, ${ids.size} distinct ids sent in ${total} ` +
          `records (SIGKILL at ${killedAt} saved)`,
      );
      assert.equal(ids.size, count, "every order id of the run once");
      // A SIGKILL can resend the orders delivered after the last saved progress (same ids).
      assert.ok(total - count <= 40, `at most a few orders resent (${total - count})`);
    } finally {
      proxy.close();
      await first.dispose();
      await second?.dispose();
      await third?.dispose();
      await s.dispose();
    }
  },
);

Deno.test({
  name: "SIGTERM while the broker is down exits 0 within the deadline",
  ignore: !KafkaBroker.available(),
  ...opts,
  fn: async () => {
    const broker = await KafkaBroker.start();
    const s = await sandbox({ LOG_LEVEL: "info" });
    const kafka = new KafkaTransport({ brokers: [broker.address] });
    const env = { ...s.env, KAFKA_BROKERS: broker.address };
    const p = new RoleProcess("text-writer", env);
    try {
      await (await kafka.admin()).ensureTopics([{ topic: s.topic, partitions: 3 }]);
      await until("the writer in its group", () => /"joined group"/.test(p.output), 90_000);
      await broker.stop("SIGKILL");
      await until("the writer noticing", () => /consumer failed; rejoining/.test(p.output), 60_000);
      const t0 = performance.now();
      p.kill("SIGTERM");
      const st = await p.exited;
      const took = performance.now() - t0;
      console.log(`SIGTERM during a broker outage: exit ${st.code} in ${Math.round(took)} ms`);
      assert.equal(st.code, 0, `exit 0, output:\n${p.output.slice(-3_000)}`);
      assert.ok(took < 15_000, `exited in ${took} ms, within SHUTDOWN_TIMEOUT_MS`);
    } finally {
      await p.dispose();
      await kafka.close().catch(() => {});
      await s.dispose();
      await broker.dispose();
    }
  },
});
