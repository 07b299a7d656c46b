/**
 * The scaled-out aggregator on real Kafka and PostgreSQL: keywords repartitioned through
 * `trend-keywords`, two aggregator processes in one group give the windows and alerts of one,
 * and both give those of a direct aggregator reading `posts-classified`; processes killed with
 * SIGKILL mid-run and replaced change nothing.
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

/** Every process holds partitions of both stages (of a scaled-out aggregator). */
async function joined(s: Sandbox, processes: number) {
  for (const group of [s.env.AGG_GROUP, routerGroup(s.env.AGG_GROUP)]) {
    await until(
      `${processes} members in ${group}`,
      async () => (await members(s, group).catch(() => 0)) === processes,
      90_000,
      200,
    );
  }
}

const allCheckpointed = (s: Sandbox, parts: number, fraction = 1) =>
  until(
    `${fraction * 100}% checkpointed`,
    async () => (await checkpointed(s, "aggregator", parts)) >= fraction * stream.length,
    180_000,
    20,
  );

/** Runs `processes` aggregators on `s` until every post is checkpointed, then stops them. */
async function run(s: Sandbox, lake: TestLake, parts: number, processes: number) {
  const ps = Array.from(
    { length: processes },
    () => new RoleProcess("aggregator", env(s, lake, parts)),
  );
  try {
    // Every process holds partitions of both stages before the first post arrives.
    if (parts) await joined(s, processes);
    await publish(s);
    await allCheckpointed(s, parts);
  } finally {
    await Promise.all(ps.map((p) => p.dispose()));
  }
}

Deno.test(
  "two scaled-out aggregators in one group give the windows and alerts of one, and of a direct aggregator",
  opts,
  async () => {
    const [direct, one, two, crashy] = await Promise.all(
      [sandbox(), sandbox(), sandbox(), sandbox()],
    );
    const lakes = await Promise.all([folderLake(), folderLake(), folderLake(), folderLake()]);
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

      // Two processes, each in turn killed with SIGKILL mid-run and replaced: the survivor and
      // the newcomer take over its partitions (both stages) from the checkpoints.
      const ps = [0, 1].map(() => new RoleProcess("aggregator", env(crashy, lakes[3], PARTS)));
      await joined(crashy, 2);
      // The second half is published after the first kill, so that kill is mid-run however fast
      // the processes are (the same records in the same order as one publish).
      const half = Math.floor(stream.length / 2);
      await publish(crashy, stream.slice(0, half));
      let kills = 0;
      for (const [i, fraction] of [[0, 0.3], [1, 0.6]] as const) {
        await allCheckpointed(crashy, PARTS, fraction);
        ps[i].kill("SIGKILL");
        await ps[i].exited;
        if ((await checkpointed(crashy, "aggregator", PARTS)) < stream.length) kills++;
        ps.push(new RoleProcess("aggregator", env(crashy, lakes[3], PARTS)));
        if (i === 0) await publish(crashy, stream.slice(half));
      }
      assert.ok(kills >= 1, `killed mid-run ${kills} times`);
      await allCheckpointed(crashy, PARTS);
      await Promise.all(ps.map((p) => p.dispose()));
      const c = await results(crashy);
      assert.deepEqual(c.windows, a.windows);
      assert.deepEqual(c.alerts, a.alerts);
      for (const kind of ["windows", "alerts", "posts"]) {
        const x = (await lakes[1].lines(kind)).sort(), y = (await lakes[3].lines(kind)).sort();
        assert.deepEqual(y, x, `lake ${kind} after crashes`);
      }
    } finally {
      await Promise.all(lakes.map((l) => l.dispose()));
      await Promise.all([direct, one, two, crashy].map((s) => s.dispose()));
    }
  },
);
