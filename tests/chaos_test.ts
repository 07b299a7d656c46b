/**
 * Chaos: a steady stream of text messages through a real (throwaway) Kafka broker to the real
 * PostgreSQL, three `main.ts text-writer` processes, and faults one after another: SIGKILLed group
 * members (restarted at once), bursts of malformed records and of records too large to
 * dead-letter whole (a 2 MB one gzip-compressed, as a foreign producer may send it), a broker
 * restart, a database outage
 * (a TCP proxy cut, the shared server untouched), and a last SIGKILL. Then: exactly the expected
 * rows, every bad record in the dead-letter topic with its reason, lag 0, SIGTERM exits 0, and
 * recovery times within the targets (with a margin for this noisy machine; the measured times
 * are printed).
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/mod.ts";
import { DLQ_HEADERS, dlqTopic, KafkaTransport } from "../transport/mod.ts";
import type { Producer } from "../transport/mod.ts";
import {
  DATABASE_URL,
  readTopic,
  RoleProcess,
  textMessages,
  uniqueName,
  until,
} from "./helpers/mod.ts";
import { KafkaBroker } from "./helpers/kafka_broker.ts";
import { databaseProxy } from "./helpers/tcp_proxy.ts";
import { produceCompressed } from "./helpers/dlq.ts";
import { FlowWatch } from "./helpers/flow_watch.ts";

/** Targets (issue 16) and what this test allows on a loaded machine. */
const TARGET = { memberKilledS: 15, serviceBackS: 5 };
const ALLOWED = { memberKilledS: 25, serviceBackS: 10 };
const PARTITIONS = 3;

Deno.test({
  name: "chaos: SIGKILLs, a broker restart, a database outage and bad input lose nothing and " +
    "recover within the targets",
  ignore: !KafkaBroker.available(),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const started = performance.now();
    const broker = await KafkaBroker.start();
    const { proxy, url } = databaseProxy();
    const schema = uniqueName("chaos", "_").replaceAll("-", "_");
    const topic = uniqueName("chaos-text");
    const group = `${topic}-writers`;
    const db = new PostgresDb({ url: DATABASE_URL, schema });
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const kafka = new KafkaTransport({ brokers: [broker.address] });
    const admin = await kafka.admin();
    await admin.ensureTopics([
      { topic, partitions: PARTITIONS },
      { topic: dlqTopic(topic), partitions: 1 },
    ]);
    const env = {
      KAFKA_BROKERS: broker.address,
      DATABASE_URL: url,
      DATABASE_SCHEMA: schema,
      TEXT_TOPIC: topic,
      TEXT_GROUP: group,
      WRITER_BATCH_SIZE: "200",
      LOG_LEVEL: "info",
    };
    const writers: RoleProcess[] = [];
    const all: RoleProcess[] = [];
    const spawn = () => {
      const p = new RoleProcess("text-writer", env);
      all.push(p);
      writers.push(p);
      return p;
    };
    const watch = new FlowWatch(admin, db, group, topic);
    const feed = new Feed(await kafka.producer(), topic);
    const times: Record<string, number> = {};
    try {
      for (let i = 0; i < 3; i++) spawn();
      await until(
        "three members in a stable group",
        async () => {
          const g = await admin.describeGroup(group);
          return g.members === 3 && g.state === "Stable";
        },
        90_000,
        200,
      );
      watch.start();
      feed.start();
      await until("rows flowing", async () => (await watch.rows()) >= 300, 60_000, 100);

      await feed.bad(300);
      await feed.oversized(kafka);
      times["SIGKILL 1"] = await killMember(writers, spawn, watch);
      times["SIGKILL 2"] = await killMember(writers, spawn, watch);

      await broker.stop("SIGTERM");
      const down = performance.now();
      await broker.resume();
      const back = performance.now();
      // Commits from before the restart may be seen only now: count those made after it.
      const before = await watch.committedNow();
      times["Kafka back"] = await watch.allFlowingAfter(back, 60_000, undefined, before);
      console.log(`broker restart: down ${((back - down) / 1000).toFixed(1)} s`);

      await feed.bad(200);
      proxy.cut();
      // The outage's length is the scenario, not a synchronisation.
      await new Promise((r) => setTimeout(r, 6_000));
      proxy.restore();
      times["PostgreSQL back"] = await watch.rowsAfter(proxy.restoredAt, 60_000);

      times["SIGKILL 3"] = await killMember(writers, spawn, watch);
      await feed.stop();

      const expected = feed.ids.size;
      await until(`${expected} rows`, async () => (await watch.rows()) >= expected, 90_000, 200);
      await until(
        "lag 0",
        async () => {
          const lag = await admin.lag(group, topic);
          return lag.every((p) => p.lag === 0 && p.committed === p.high);
        },
        60_000,
        200,
      );
      const rows = await db.query<{ total: number; distinct: number; bad: number }>(
        `SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct,
                count(*) FILTER (WHERE NOT (id = ANY($1::text[])))::int AS bad
         FROM text_messages`,
        [[...feed.ids]],
      );
      assert.deepEqual(rows[0], { total: expected, distinct: expected, bad: 0 });

      // Every bad record dead-lettered, with its reason (a record may be there twice: a batch
      // replayed after a SIGKILL dead-letters again, at-least-once).
      const dlq = await readTopic(
        { kafka },
        dlqTopic(topic),
        await admin.topicSize(dlqTopic(topic)),
      );
      const badKeys = new Set<string>();
      for (const m of dlq) {
        assert.ok(m.headers[DLQ_HEADERS.reason], "a dead letter names its reason");
        const key = new TextDecoder().decode(m.key!);
        badKeys.add(key);
        if (feed.hugeKeys.has(key)) {
          // Too large to dead-letter whole: a bounded copy with its size and hash.
          assert.equal(m.headers[DLQ_HEADERS.originalSize], String(feed.hugeBytes), key);
          assert.match(String(m.headers[DLQ_HEADERS.sha256]), /^[0-9a-f]{64}$/);
        }
      }
      assert.deepEqual([...feed.badKeys].filter((k) => !badKeys.has(k)), [], "every bad one");
      assert.deepEqual([...badKeys].filter((k) => !feed.badKeys.has(k)), [], "only bad ones");

      const report = Object.entries(times).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
      console.log(
        `chaos: ${expected} messages, ${feed.badKeys.size} bad, ${all.length} writer ` +
          `processes, ${((performance.now() - started) / 1000).toFixed(0)} s; recovery: ` +
          report.join(", "),
      );
      for (const w of writers) {
        w.kill("SIGTERM");
        const st = await w.exited;
        assert.equal(st.code, 0, `SIGTERM exits 0:\n${w.output.slice(-2_000)}`);
      }
      for (const p of all) assert.doesNotMatch(p.output, /supervisor escalated/);

      for (const k of ["SIGKILL 1", "SIGKILL 2", "SIGKILL 3"]) {
        assert.ok(
          times[k] <= ALLOWED.memberKilledS * 1000,
          `${k}: partitions flowing again after ${times[k]} ms (target ${TARGET.memberKilledS} s)`,
        );
      }
      for (const k of ["Kafka back", "PostgreSQL back"]) {
        assert.ok(
          times[k] <= ALLOWED.serviceBackS * 1000,
          `${k}: flowing after ${times[k]} ms (target ${TARGET.serviceBackS} s)`,
        );
      }
    } finally {
      // CHAOS_LOG_DIR=<folder>: each writer process's output kept there, for a post-mortem.
      const keep = Deno.env.get("CHAOS_LOG_DIR");
      if (keep) {
        all.forEach((p, i) => Deno.writeTextFileSync(`${keep}/writer-${i}.log`, p.output));
      }
      await feed.stop().catch(() => {});
      watch.stop();
      proxy.close();
      for (const p of all) await p.dispose();
      await kafka.close().catch(() => {});
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close();
      await broker.dispose();
    }
  },
});

/**
 * SIGKILLs a member that holds partitions, starts a new one at once, and answers how long until
 * every partition the killed member held was committed again.
 */
async function killMember(
  writers: RoleProcess[],
  spawn: () => RoleProcess,
  watch: FlowWatch,
): Promise<number> {
  let victim: RoleProcess | undefined;
  let held: number[] = [];
  await until(
    "a member holding partitions",
    () => {
      for (const w of writers) {
        held = assignment(w.output);
        if (held.length > 0) {
          victim = w;
          return true;
        }
      }
      return false;
    },
    60_000,
    100,
  );
  victim!.kill("SIGKILL");
  const at = performance.now();
  writers.splice(writers.indexOf(victim!), 1);
  await victim!.exited;
  // What it committed before it died: its partitions flow again when they move past that.
  const baseline = await watch.committedNow();
  const fresh = spawn();
  const took = await watch.allFlowingAfter(at, 90_000, held, baseline);
  // The next fault waits for the new member (one started while the broker is away exits 2).
  await until(
    "the restarted member in the group",
    () => /"joined group"/.test(fresh.output),
    90_000,
  );
  return took;
}

/** The partitions a writer process was last given (its "joined group" log line). */
function assignment(output: string): number[] {
  const last = [...output.matchAll(/"joined group".*?"assignment":\{"[^"]+":\[([\d,]*)\]/g)].at(-1);
  return last?.[1] ? last[1].split(",").map(Number) : [];
}

/**
 * The test's own producer: 15 valid messages every 250 ms, held and retried while the broker is
 * away (an id counts as expected before its first send, so a send that failed after writing is
 * no surprise), and bursts of malformed records.
 */
class Feed {
  ids = new Set<string>();
  badKeys = new Set<string>();
  /** The bad records too large to dead-letter whole, and their size in bytes. */
  hugeKeys = new Set<string>();
  hugeBytes = 0;
  #running = false;
  #loop: Promise<void> | null = null;

  constructor(private producer: Producer, private topic: string) {}

  start(): void {
    this.#running = true;
    this.#loop = (async () => {
      for (let i = 0; this.#running; i++) {
        const batch = textMessages(15, `chaos ${i}`);
        for (const m of batch) this.ids.add(m.id);
        await this.#send(batch.map((m) => ({ key: m.id, value: JSON.stringify(m) })));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }

  async bad(n: number): Promise<void> {
    const kinds = [
      (k: string) => `not json ${k}`,
      (k: string) => JSON.stringify({ id: k }),
      (k: string) => JSON.stringify({ id: "", text: k }),
      (k: string) => JSON.stringify({ id: k, text: 42 }),
    ];
    const records = Array.from({ length: n }, (_, i) => {
      const key = `bad-${crypto.randomUUID()}`;
      this.badKeys.add(key);
      return { key, value: kinds[i % kinds.length](key) };
    });
    await this.#send(records);
  }

  /**
   * Two records of 2 MB (over the broker's 1 MB limit uncompressed, so a dead letter of one can
   * only be a bounded copy), sent gzip-compressed to partition 0 by kafkajs directly, and one of
   * 900 KB that fits alone but not beside the other dead letters of its batch.
   */
  async oversized(kafka: KafkaTransport): Promise<void> {
    const huge = Array.from({ length: 2 }, () => {
      const key = `bad-${crypto.randomUUID()}`;
      this.badKeys.add(key);
      this.hugeKeys.add(key);
      return { key, value: JSON.stringify({ id: key, text: "x".repeat(2_000_000) }) };
    });
    this.hugeBytes = new TextEncoder().encode(huge[0].value).length;
    await produceCompressed({ kafka }, this.topic, huge);
    const key = `bad-${crypto.randomUUID()}`;
    this.badKeys.add(key);
    await this.#send([{
      key,
      value: JSON.stringify({ id: key, text: 42, pad: "y".repeat(900_000) }),
    }]);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.producer.close().catch(() => {});
  }

  async #send(records: Array<{ key: string; value: string }>): Promise<void> {
    for (;;) {
      try {
        await this.producer.send(this.topic, records);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
