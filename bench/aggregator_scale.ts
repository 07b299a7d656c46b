/**
 * The scaled-out aggregator on real Kafka and PostgreSQL: a backlog of generated posts
 * (`eval/generator.ts`, BENCH_SCALE_MINUTES of event time at 36 posts/s, default 30) in
 * `posts-classified`, then one and then two `aggregator` processes (`TREND_PARTITIONS=4`, each
 * running a router and an aggregator group member), started and joined before the posts are
 * published, until every keyword partition has checkpointed every post. Prints posts per second of wall time (sustained: from
 * the first 10 % checkpointed to the end, which leaves out process start-up) and the processes'
 * CPU-seconds (from /proc, start-up included).
 */
import { generate, trendPost } from "../eval/mod.ts";
import type { ClassifiedPost } from "../schemas/social.ts";
import { checkpointed, publish } from "../tests/helpers/aggregator.ts";
import { RoleProcess, sandbox, until } from "../tests/helpers/mod.ts";
import { routerGroup } from "../actors/trends/role.ts";
import { cpuSeconds } from "./_cpu.ts";

const MINUTES = Number(Deno.env.get("BENCH_SCALE_MINUTES") ?? 30);
const PARTS = 4;

function classified(minutes: number): ClassifiedPost[] {
  return generate({ seed: 1, minutes }).posts.map(trendPost).map((p) => ({
    ...p,
    mentions: [],
    sentiment: "neutral",
    confidence: 0.5,
    entities: { people: [], organisations: [], places: [], tickers: [], hashtags: p.hashtags },
    topics: [],
    asset_class: "none",
    model: "bench",
    classified_at: p.created_at,
  }));
}

async function runWith(processes: number, posts: ClassifiedPost[], out: (l: string) => void) {
  const s = await sandbox();
  try {
    const env = { ...s.env, TREND_PARTITIONS: String(PARTS), LAKE_DIR: await Deno.makeTempDir() };
    const ps = Array.from({ length: processes }, () => new RoleProcess("aggregator", env));
    // Measured once the groups are stable: a rebalance mid-run moves partitions (and work).
    const admin = await s.kafka.admin();
    for (const group of [s.env.AGG_GROUP, routerGroup(s.env.AGG_GROUP)]) {
      await until(
        `${processes} members in ${group}`,
        async () =>
          (await admin.describeGroup(group).catch(() => ({ members: 0 }))).members === processes,
        120_000,
        200,
      );
    }
    const t0 = performance.now();
    await publish(s, posts);
    let t10 = 0, n10 = 0;
    await until(
      "10% checkpointed",
      async () => {
        n10 = await checkpointed(s, "aggregator", PARTS);
        t10 = performance.now();
        return n10 >= posts.length / 10;
      },
      600_000,
      50,
    );
    await until(
      "every post checkpointed",
      async () => (await checkpointed(s, "aggregator", PARTS)) === posts.length,
      1_200_000,
      50,
    );
    const end = performance.now();
    const cpu = ps.reduce((n, p) => n + cpuSeconds(p.child.pid), 0);
    await Promise.all(ps.map((p) => p.dispose()));
    // Saves refused because another member had moved the partition on (work done twice).
    const fenced = ps.reduce((n, p) => n + (p.output.match(/CHECKPOINT_MOVED/g)?.length ?? 0), 0);
    await Deno.remove(env.LAKE_DIR, { recursive: true });
    const r = {
      processes,
      posts: posts.length,
      totalSeconds: (end - t0) / 1000,
      sustained: (posts.length - n10) / ((end - t10) / 1000),
      cpuSeconds: cpu,
      postsPerCpuSecond: posts.length / cpu,
      fenced,
    };
    out(
      `  ${processes} process(es): ${Math.round(r.sustained)} posts/s sustained, ${
        r.totalSeconds.toFixed(1)
      } s in all, ${cpu.toFixed(1)} CPU-s (${
        Math.round(r.postsPerCpuSecond)
      } posts/CPU-s), ${fenced} fenced saves`,
    );
    return r;
  } finally {
    await s.dispose();
  }
}

export async function aggregatorScaleBench(out: (line: string) => void) {
  const posts = classified(MINUTES);
  out(`aggregator scale-out: ${posts.length} posts, ${PARTS} keyword partitions...`);
  const one = await runWith(1, posts, out);
  const two = await runWith(2, posts, out);
  out(`  two / one: ${(two.sustained / one.sustained).toFixed(2)} x sustained`);
  return { one, two };
}

if (import.meta.main) await aggregatorScaleBench((l) => console.log(l));
