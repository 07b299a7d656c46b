/**
 * The aggregator's compute per post, in one process without broker or database: a generated
 * stream (`eval/generator.ts`, BENCH_AGG_MINUTES of event time at 36 posts/s, default 60) turned
 * into window events (keywords in the post's languages, text fingerprint), added to the windows,
 * windows closed and scored, as `createAggregator`'s handler does per batch. Prints posts per
 * second of wall time and per CPU-second (the target: at least 20,000).
 */
import { cpuUsage } from "node:process";
import { windowEvent, withoutAll } from "../actors/trends/aggregator.ts";
import { TrendDetector } from "../actors/trends/detect.ts";
import { WindowState } from "../actors/trends/windows.ts";
import { EVAL_DETECT, EVAL_WINDOWS, generate, trendPost } from "../eval/mod.ts";

const MINUTES = Number(Deno.env.get("BENCH_AGG_MINUTES") ?? 60);

export function aggregatorComputeBench(out: (line: string) => void) {
  const { posts } = generate({ seed: 1, minutes: MINUTES });
  const records = posts.map(trendPost);
  out(`aggregator compute: ${records.length} posts (${MINUTES} min of event time)...`);
  const windows = new WindowState({ ...EVAL_WINDOWS, partitions: 1 });
  const detector = new TrendDetector(EVAL_DETECT);
  const t0 = performance.now();
  const cpu0 = cpuUsage();
  let alerts = 0;
  for (const r of records) {
    windows.add(windowEvent(r, 0, {}));
    for (const w of windows.closeReady()) alerts += detector.onClose(withoutAll(w)).alerts.length;
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const rate = Math.round(records.length / s);
  const cpuRate = Math.round(records.length / cpuS);
  // On a shared machine wall time includes waiting for a core: CPU time is the process's cost.
  out(`  ${rate} posts/s wall, ${cpuRate} posts per CPU-second (${alerts} alerts)`);
  // The machine's ceiling in the same run: JSON round trips of the same posts, the least any
  // consumer of them does, per CPU-second.
  const c0 = cpuUsage();
  let bytes = 0;
  for (const r of records) bytes += JSON.stringify(JSON.parse(JSON.stringify(r))).length;
  const c = cpuUsage(c0);
  const ceiling = Math.round(records.length / ((c.user + c.system) / 1e6));
  out(
    `  ceiling: ${ceiling} JSON round trips per CPU-second (${bytes} bytes); ratio ${
      (cpuRate / ceiling).toFixed(3)
    }`,
  );
  return {
    posts: records.length,
    seconds: s,
    postsPerSecond: rate,
    postsPerCpuSecond: cpuRate,
    jsonCeilingPerCpuSecond: ceiling,
  };
}

if (import.meta.main) aggregatorComputeBench((l) => console.log(l));
