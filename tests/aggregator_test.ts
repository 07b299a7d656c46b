/** The aggregator on real Kafka and PostgreSQL: trends of a synthetic stream, and crash safety. */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { folderLake, s3Lake } from "./helpers/lake.ts";
import type { TestLake } from "./helpers/lake.ts";
import { RoleProcess, sandbox, until } from "./helpers/mod.ts";
import type { Sandbox } from "./helpers/mod.ts";
import { T0 } from "./helpers/trend_stream.ts";
import { checkpointed, future, posts, publish, results, stream } from "./helpers/aggregator.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const MIN = 60_000;

/** The window state's own counters, from the checkpoint (identical after crashes). */
async function aggregatorStats(s: Sandbox) {
  const rows = await s.db.query<{ late: number; future: number; duplicates: number }>(
    `SELECT (meta->'windows'->>'late')::int AS late, (meta->'windows'->>'future')::int AS future,
            (meta->'windows'->>'duplicates')::int AS duplicates
     FROM aggregator_checkpoints WHERE name = 'aggregator'`,
  );
  return rows[0];
}

const env = (s: Sandbox, lake: TestLake, extra: Record<string, string> = {}) => ({
  ...s.env,
  ...lake.env,
  AGG_BATCH_SIZE: "25",
  AGG_FLUSH_MS: "1",
  ...extra,
});

Deno.test(
  "the aggregator detects the multi-author bursts, ranks them, and ignores the single author",
  opts,
  async () => {
    const s = await sandbox();
    const folder = await folderLake(), lake = folder.env.LAKE_DIR;
    await publish(s);
    const p = new RoleProcess("aggregator", env(s, folder, { AGG_BATCH_SIZE: "500" }));
    try {
      await until(
        "every post checkpointed",
        async () => (await checkpointed(s)) === stream.length,
        90_000,
        100,
      );
      const { alerts, windows } = await results(s);
      // Every post counted once: none lost behind the future post, no duplicate counted twice.
      const volume = windows.filter((w) => w.keyword === "*");
      assert.ok(volume.length > 50);
      for (const w of volume) {
        const from = Number(w.s) * 1000;
        const n = posts.filter((p) => {
          const t = Date.parse(p.created_at);
          return t >= from && t < from + 10 * MIN;
        }).length;
        assert.equal(w.count, n, `posts in the window starting ${new Date(from).toISOString()}`);
      }
      const at31 = alerts.filter((a) =>
        Number(a.e) * 1000 === T0 + 31 * MIN && /^(eclipse|launch)$/.test(String(a.keyword))
      );
      assert.deepEqual(at31.map((a) => [a.keyword, a.kind]), [["eclipse", "new"], [
        "launch",
        "new",
      ]]);
      assert.ok(!alerts.some((a) => a.keyword === "spamcoin"), "one author cannot make a trend");
      // eclipse keeps trending for 15 minutes: one "new" alert for the whole event.
      const eclipse = alerts.filter((a) => a.keyword === "eclipse" && a.kind === "new");
      assert.equal(eclipse.length, 1);
      // The cache (Redis) holds the last window's ranking, with a TTL so it ends with the trend.
      // It is written just after the checkpoint is committed: wait for the last window there.
      const redis = new Redis(s.env.REDIS_URL);
      try {
        const key = `${s.env.TREND_CACHE_PREFIX}:top`;
        await until("the last window in the cache", async () => {
          const top = await redis.get(key);
          return top !== null && JSON.parse(top).windowEnd === T0 + 59 * MIN;
        });
        const ttl = await redis.pttl(key);
        assert.ok(ttl > 0 && ttl <= 3 * 60_000, `TTL ${ttl}`);
      } finally {
        await redis.quit();
      }
      assert.ok(!alerts.some((a) => ["coffee", "morning", "music"].includes(a.keyword as string)));
      const files = (h: string) =>
        [...Deno.readDirSync(`${lake}/date=2026-11-24/hour=${h}`)].map((d) => d.name).sort();
      // The first windows open before the first post (11:51): their records sit in hour 11.
      assert.deepEqual(files("11"), ["windows-aggregator.ndjson"]);
      assert.deepEqual(files("12"), [
        "alerts-aggregator.ndjson",
        "posts-aggregator.ndjson",
        "windows-aggregator.ndjson",
      ]);
      const lines =
        (await Deno.readTextFile(`${lake}/date=2026-11-24/hour=12/posts-aggregator.ndjson`)).trim()
          .split("\n");
      // Every post once: the duplicates dropped, the future post filed under its receive hour.
      assert.equal(lines.length, posts.length + 1);
      assert.ok(lines.some((l) => JSON.parse(l).uri === future.uri));
      const stats = await aggregatorStats(s);
      assert.equal(stats.future, 1);
      assert.equal(stats.late, 0);
      assert.equal(stats.duplicates, stream.length - posts.length - 1);
    } finally {
      await p.dispose();
      await folder.dispose();
      await s.dispose();
    }
  },
);

for (const [backend, open] of [["folder", folderLake], ["S3", s3Lake]] as const) {
  Deno.test(
    `killed with SIGKILL at several points and restarted, the aggregator's windows, alerts and lake (${backend}) equal an uninterrupted run`,
    opts,
    async () => {
      const calm = await sandbox();
      const crashy = await sandbox();
      const lakeA = await open(), lakeB = await open();
      try {
        await publish(calm);
        await publish(crashy);
        const once = new RoleProcess("aggregator", env(calm, lakeA));
        await until(
          "the uninterrupted run",
          async () => (await checkpointed(calm)) === stream.length,
          120_000,
          100,
        );
        await once.dispose();

        let kills = 0;
        for (const fraction of [0.2, 0.5, 0.8]) {
          const p = new RoleProcess("aggregator", env(crashy, lakeB));
          await until(
            `${fraction * 100}% checkpointed`,
            async () => (await checkpointed(crashy)) >= fraction * stream.length,
            120_000,
            5,
          );
          p.kill("SIGKILL");
          await p.exited;
          if ((await checkpointed(crashy)) < stream.length) kills++;
        }
        assert.ok(kills >= 2, `killed mid-run ${kills} times`);
        const last = new RoleProcess("aggregator", env(crashy, lakeB));
        await until(
          "the crashy run to finish",
          async () => (await checkpointed(crashy)) === stream.length,
          120_000,
          100,
        );
        await last.dispose();

        const a = await results(calm), b = await results(crashy);
        assert.ok(a.windows.length > 100 && a.alerts.length >= 2);
        assert.deepEqual(b.windows, a.windows);
        assert.deepEqual(b.alerts, a.alerts);
        assert.deepEqual(await lakeB.lines("windows"), await lakeA.lines("windows"));
        assert.deepEqual(await lakeB.lines("alerts"), await lakeA.lines("alerts"));
        const lakePosts = await lakeB.lines("posts");
        assert.equal(lakePosts.length, posts.length + 1, "no duplicated or missing lake lines");
        assert.equal(new Set(lakePosts).size, lakePosts.length);
        assert.deepEqual(await aggregatorStats(crashy), await aggregatorStats(calm));
      } finally {
        await lakeA.dispose();
        await lakeB.dispose();
        await calm.dispose();
        await crashy.dispose();
      }
    },
  );
}
