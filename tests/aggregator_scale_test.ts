/**
 * The scaled-out aggregator on real Kafka and PostgreSQL: keywords repartitioned through
 * `trend-keywords`, two aggregator processes in one group give the windows and alerts of one,
 * and both give those of a direct aggregator reading `posts-classified`.
 */
import assert from "node:assert/strict";
import { folderLake } from "./helpers/lake.ts";
import type { TestLake } from "./helpers/lake.ts";
import { RoleProcess, sandbox, until } from "./helpers/mod.ts";
import type { Sandbox } from "./helpers/mod.ts";
import { checkpointed, posts, publish, results, stream } from "./helpers/aggregator.ts";
import { routerGroup } from "../actors/trends/role.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PARTS = 4;

const env = (s: Sandbox, lake: TestLake, parts: number) => ({
  ...s.env,
  ...lake.env,
  AGG_BATCH_SIZE: "200",
  AGG_FLUSH_MS: "5",
  TREND_PARTITIONS: String(parts),
});

async function members(s: Sandbox, group: string): Promise<number> {
  const admin = await s.kafka.admin();
  return (await admin.describeGroup(group)).members;
}

/** Runs `processes` aggregators on `s` until every post is checkpointed, then stops them. */
async function run(s: Sandbox, lake: TestLake, parts: number, processes: number) {
  const ps = Array.from(
    { length: processes },
    () => new RoleProcess("aggregator", env(s, lake, parts)),
  );
  try {
    if (parts) {
      // Every process holds partitions of both stages before the first post arrives.
      for (const group of [s.env.AGG_GROUP, routerGroup(s.env.AGG_GROUP)]) {
        await until(
          `${processes} members in ${group}`,
          async () => (await members(s, group).catch(() => 0)) === processes,
          90_000,
          200,
        );
      }
    }
    await publish(s);
    await until(
      "every post checkpointed",
      async () => (await checkpointed(s, "aggregator", parts)) === stream.length,
      180_000,
      200,
    );
  } finally {
    await Promise.all(ps.map((p) => p.dispose()));
  }
}

Deno.test(
  "two scaled-out aggregators in one group give the windows and alerts of one, and of a direct aggregator",
  opts,
  async () => {
    const [direct, one, two] = await Promise.all([sandbox(), sandbox(), sandbox()]);
    const lakes = await Promise.all([folderLake(), folderLake(), folderLake()]);
    try {
      await run(direct, lakes[0], 0, 1);
      await run(one, lakes[1], PARTS, 1);
      await run(two, lakes[2], PARTS, 2);
      const [d, a, b] = await Promise.all([results(direct), results(one), results(two)]);
      assert.ok(a.windows.length > 100 && a.alerts.length >= 2, "the stream trends");
      assert.deepEqual(b.windows, a.windows);
      assert.deepEqual(b.alerts, a.alerts);
      assert.deepEqual(a.windows, d.windows);
      assert.deepEqual(a.alerts, d.alerts);
      // Each keyword is one partition's: the lake holds every window row and post once.
      for (const kind of ["windows", "alerts", "posts"]) {
        const x = (await lakes[1].lines(kind)).sort(), y = (await lakes[2].lines(kind)).sort();
        assert.deepEqual(y, x, `lake ${kind}`);
      }
      const lakePosts = await lakes[2].lines("posts");
      assert.equal(lakePosts.length, posts.length + 1, "every post once, the future one too");
      // Merged windows leave no scores behind.
      const left = await two.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM trend_slide_scores`,
      );
      assert.equal(left[0].n, 0, "every partition closed the same windows, all merged");
    } finally {
      await Promise.all(lakes.map((l) => l.dispose()));
      await Promise.all([direct, one, two].map((s) => s.dispose()));
    }
  },
);
