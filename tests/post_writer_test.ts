/** The post writer against real Kafka, Redis, PostgreSQL and the MongoDB wire server. */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createLogger } from "../lib/log.ts";
import { dlqTopic } from "../transport/mod.ts";
import type { Envelope, EnvelopeTarget } from "../transport/mod.ts";
import { parseConsumers, RedisStreamConsumer, xaddTrimmed } from "../transport/redis/mod.ts";
import { readTopic, REDIS_URL, RoleProcess, sandbox, uniqueName, until } from "./helpers/mod.ts";
import { classifiedPosts, produceClassified, redis, sinkCounts } from "./helpers/posts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const N = 20_000;

Deno.test(
  "Kafka input: a writer killed with SIGKILL mid-batch and restarted stores every post once in both sinks",
  opts,
  async () => {
    const s = await sandbox({ WRITER_SINKS: "postgres,mongodb" });
    const posts = classifiedPosts(N);
    await produceClassified(s, posts);
    const p = await s.kafka.producer();
    await p.send(s.postsClassified, [
      { key: "bad", value: "{broken" },
      { key: "bad", value: JSON.stringify({ ...posts[0], sentiment: "ecstatic" }) },
    ]);
    await p.close();
    const first = new RoleProcess("writer", s.env);
    let second: RoleProcess | null = null;
    try {
      await until("some posts stored", async () => (await sinkCounts(s)).postgres > 0, 60_000, 10);
      first.kill("SIGKILL");
      await first.exited;
      const atKill = await sinkCounts(s);
      assert.ok(atKill.postgres < N, `killed mid-stream (${atKill.postgres} of ${N})`);
      second = new RoleProcess("writer", s.env);
      await until(
        `${N} posts in both sinks`,
        async () => {
          const c = await sinkCounts(s);
          return c.postgres >= N && c.mongodb >= N;
        },
        90_000,
        200,
      );
      assert.deepEqual(await sinkCounts(s), { postgres: N, mongodb: N });
      const dead = await readTopic(s, dlqTopic(s.postsClassified), 2);
      assert.match(
        dead.map((m) => m.headers["x-dlq-reason"]).join("\n"),
        /malformed JSON[\s\S]*sentiment/,
      );
    } finally {
      await first.dispose();
      await second?.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "Redis stream input: pending entries of a killed writer are reclaimed; every post stored once, nothing left pending",
  opts,
  async () => {
    const s = await sandbox({
      CONSUMER_TYPE: "redis",
      WRITER_SINKS: "postgres,mongodb",
      REDIS_CLAIM_IDLE_MS: "1000",
    });
    const r = redis(s);
    const posts = classifiedPosts(N, "r");
    for (let i = 0; i < N; i += 2_000) {
      const pipe = r.pipeline();
      for (const x of posts.slice(i, i + 2_000)) {
        pipe.xadd(
          s.env.REDIS_STREAM,
          "*",
          "data",
          JSON.stringify(x),
        );
      }
      await pipe.exec();
    }
    await r.xadd(s.env.REDIS_STREAM, "*", "data", "{broken");
    const first = new RoleProcess("writer", s.env);
    let second: RoleProcess | null = null;
    try {
      await until("some posts stored", async () => (await sinkCounts(s)).postgres > 0, 60_000, 10);
      first.kill("SIGKILL");
      await first.exited;
      assert.ok((await sinkCounts(s)).postgres < N, "killed mid-stream");
      second = new RoleProcess("writer", s.env);
      await until(
        `${N} posts in both sinks`,
        async () => {
          const c = await sinkCounts(s);
          return c.postgres >= N && c.mongodb >= N;
        },
        90_000,
        200,
      );
      assert.deepEqual(await sinkCounts(s), { postgres: N, mongodb: N });
      await until(
        "nothing pending",
        async () => {
          const pending = await r.xpending(s.env.REDIS_STREAM, s.env.POSTS_GROUP) as [
            number,
            ...unknown[],
          ];
          return pending[0] === 0;
        },
        30_000,
        200,
      );
      const dead = await r.xrange(`${s.env.REDIS_STREAM}.dlq`, "-", "+");
      assert.equal(dead.length, 1);
      assert.match(dead[0][1].join(" "), /reason malformed JSON/);
    } finally {
      await first.dispose();
      await second?.dispose();
      await r.del(s.env.REDIS_STREAM, `${s.env.REDIS_STREAM}.dlq`);
      await r.quit();
      await s.dispose();
    }
  },
);

Deno.test(
  "Redis pub/sub input (at-most-once): messages published while the writer listens are stored",
  opts,
  async () => {
    const s = await sandbox({
      CONSUMER_TYPE: "redis",
      REDIS_INPUT: "pubsub",
      WRITER_SINKS: "mongodb",
    });
    const r = redis(s);
    const proc = new RoleProcess("writer", { ...s.env, LOG_LEVEL: "info" });
    try {
      await until("the writer to listen", () => /post writer started/.test(proc.output), 60_000);
      await until("a subscriber", async () => {
        const subs = await r.pubsub("NUMSUB", s.env.REDIS_CHANNEL) as [string, number];
        return Number(subs[1]) > 0;
      });
      for (const x of classifiedPosts(100, "ps")) {
        await r.publish(
          s.env.REDIS_CHANNEL,
          JSON.stringify(x),
        );
      }
      await until("100 posts in MongoDB", async () => (await sinkCounts(s)).mongodb >= 100);
      assert.equal((await sinkCounts(s)).mongodb, 100);
    } finally {
      await proc.dispose();
      await r.quit();
      await s.dispose();
    }
  },
);

/** A stream and group of its own, and the group's members with their pending counts. */
async function streamGroup(r: Redis) {
  const stream = uniqueName("it-stream");
  const group = `${stream}-writers`;
  await r.xgroup("CREATE", stream, group, "0", "MKSTREAM");
  const members = async () => {
    const rows = parseConsumers(await r.xinfo("CONSUMERS", stream, group) as unknown[]);
    return new Map(rows.map(({ name, pending, idle }) => [name, { pending, idle }]));
  };
  /** The member "live" under test, reading this stream into `target`. */
  const live = (target: EnvelopeTarget, o: { claimIdleMs: number; batch?: number }) =>
    new RedisStreamConsumer({
      url: REDIS_URL,
      stream,
      group,
      consumer: "live",
      target,
      logger: createLogger("test"),
      blockMs: 100,
      ...o,
    });
  return { stream, group, members, live };
}

/** A target that settles every envelope at once (ack or nack) and records the entry ids. */
function settlingTarget(ack: boolean): EnvelopeTarget & { ids: string[] } {
  const ids: string[] = [];
  const settle = (env: Envelope) => {
    ids.push(env.message.offset);
    if (ack) env.ack();
    else env.nack(new Error("sink unavailable"));
  };
  return {
    ids,
    offer: (env) => (settle(env), true),
    tell: (env) => Promise.resolve(settle(env)),
  };
}

Deno.test(
  "Redis stream input: XAUTOCLAIM follows its cursor past a long head of busy entries, and a stopped member with nothing pending leaves the group",
  opts,
  async () => {
    const r = new Redis(REDIS_URL);
    const { stream, group, members, live } = await streamGroup(r);
    const pipe = r.pipeline();
    for (let i = 0; i < 1_100; i++) pipe.xadd(stream, "*", "data", `{"n":${i}}`);
    await pipe.exec();
    // A live member holds the first 1,000 entries (fresh); a dead one the last 100, long idle.
    await r.xreadgroup("GROUP", group, "busy", "COUNT", 1_000, "STREAMS", stream, ">");
    const dead = await r.xreadgroup(
      "GROUP",
      group,
      "dead",
      "COUNT",
      100,
      "STREAMS",
      stream,
      ">",
    ) as Array<[string, Array<[string, string[]]>]>;
    const deadIds = dead[0][1].map(([id]) => id);
    await r.xclaim(stream, group, "dead", 0, ...deadIds, "IDLE", 60_000, "JUSTID");
    const target = settlingTarget(true);
    // COUNT 10: one XAUTOCLAIM step examines at most 100 pending entries, all of them busy ones.
    const consumer = live(target, { batch: 10, claimIdleMs: 30_000 });
    try {
      await consumer.start();
      await until("the dead member's entries reclaimed and acked", async () => {
        const m = await members();
        return m.get("dead")?.pending === 0 && m.get("live")?.pending === 0;
      }, 15_000);
      assert.deepEqual(target.ids.toSorted(), deadIds.toSorted());
      await consumer.stop();
      const m = await members();
      assert.deepEqual([...m.keys()].toSorted(), ["busy", "dead"]);
      assert.equal(m.get("busy")?.pending, 1_000);
    } finally {
      await consumer.close();
      await r.del(stream);
      await r.quit();
    }
  },
);

Deno.test(
  "Redis stream input: start removes members idle longer than the claim idle time with nothing pending; stop keeps a member with pending entries",
  opts,
  async () => {
    const r = new Redis(REDIS_URL);
    const { stream, group, members, live } = await streamGroup(r);
    const claimIdleMs = 1_000;
    await r.xgroup("CREATECONSUMER", stream, group, "old-empty");
    await r.xadd(stream, "*", "data", "{}");
    await r.xreadgroup("GROUP", group, "old-pending", "COUNT", 1, "STREAMS", stream, ">");
    await until("old members idle", async () => {
      const m = await members();
      return m.get("old-empty")!.idle > claimIdleMs && m.get("old-pending")!.idle > claimIdleMs;
    }, 10_000);
    await r.xgroup("CREATECONSUMER", stream, group, "fresh-empty");
    const target = settlingTarget(false);
    const consumer = live(target, { claimIdleMs });
    try {
      await consumer.start();
      const afterStart = await members();
      assert.equal(afterStart.has("old-empty"), false, "idle member with nothing pending removed");
      assert.equal(afterStart.has("old-pending"), true, "member with pending entries kept");
      assert.equal(afterStart.has("fresh-empty"), true, "recently active member kept");
      // The failing write leaves the reclaimed entry pending on this member, so stop keeps it.
      await until("the entry reclaimed and nacked", async () => {
        return target.ids.length > 0 && (await members()).get("live")?.pending === 1;
      }, 10_000);
      await consumer.stop();
      assert.equal((await members()).get("live")?.pending, 1);
    } finally {
      await consumer.close();
      await r.del(stream);
      await r.quit();
    }
  },
);

Deno.test("Redis stream output: XADD trims the stream to about MAXLEN entries", opts, async () => {
  const r = new Redis(REDIS_URL);
  const stream = uniqueName("it-stream");
  try {
    const pipe = r.pipeline();
    for (let i = 0; i < 2_000; i++) xaddTrimmed(pipe, stream, { data: `${i}` }, { maxLen: 100 });
    await pipe.exec();
    const len = await r.xlen(stream);
    // Approximate trimming removes whole nodes (100 entries each by default), never below MAXLEN.
    assert.ok(len >= 100 && len <= 300, `stream length ${len}`);
    assert.throws(
      () => xaddTrimmed(r.pipeline(), stream, { data: "x" }, { maxLen: 0 }),
      RangeError,
    );
  } finally {
    await r.del(stream);
    await r.quit();
  }
});
