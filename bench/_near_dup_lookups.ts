/**
 * The near-duplicate bench's timed lookups, in a process of their own started with the roles' V8
 * flags (`ROLE_V8_FLAGS`): the heap a sentiment worker has, not the bench process's, which holds
 * what the earlier benches left (a young-generation collection costs what survives it, and most of
 * the lookups' p99 is collections). `deno run -A bench/_near_dup_lookups.ts '<job JSON>'` with
 * `{ url, prefix, n, lookups, warmUp }`; prints the figures as one JSON line.
 *
 * `warmUp` lookups of new texts run first; the first `lookups` of them give the cold figures (a
 * process just started), then `lookups` more give the steady state a running worker has. The two
 * differ because a new process's first 15,000–20,000 Redis round trips each leave far more alive
 * at a young-generation collection: 0.4–1.3 MB is promoted per collection (pauses of 1–2 ms), then
 * 6 KB (0.3 ms), the same in a loop of bare `PING`s and with V8's allocation-site pretenuring off
 * (`--trace-gc-nvp`, measured 2026-11-30).
 */
import { Redis } from "ioredis";
import { NearDupIndex } from "../actors/finance/mod.ts";
import { headline } from "./_headlines.ts";
import { ownCpuSeconds } from "./_cpu.ts";
import { percentiles } from "./_percentiles.ts";

interface LookupJob {
  url: string;
  prefix: string;
  /** Originals stored: `e0` … `e<n - 1>`, each `headline(i)`. */
  n: number;
  lookups: number;
  warmUp: number;
}

async function run(job: LookupJob) {
  const { n, lookups } = job;
  const ix = new NearDupIndex({ url: job.url, prefix: job.prefix, ttlS: 3_600 });
  const redis = new Redis(job.url);
  try {
    const texts = Array.from(
      { length: lookups },
      (_, i) => i % 2 ? headline((i * 7919) % n) + " https://t.co/x" : headline(n + i),
    );
    const probeCpu0 = ownCpuSeconds();
    for (const text of texts) ix.probe(text);
    const probeCpuMs = ((ownCpuSeconds() - probeCpu0) * 1000) / lookups;
    const cold = new Float64Array(Math.min(lookups, job.warmUp));
    for (let i = 0; i < job.warmUp; i++) {
      const t = performance.now();
      await ix.find([{ id: `w${i}`, text: headline(n + lookups + i) }]);
      if (i < cold.length) cold[i] = performance.now() - t;
    }
    const times = new Float64Array(lookups);
    let found = 0;
    const cpu0 = ownCpuSeconds();
    for (let i = 0; i < lookups; i++) {
      const t = performance.now();
      const [v] = await ix.find([{ id: `q${i}`, text: texts[i] }]);
      times[i] = performance.now() - t;
      if (i % 2 && v.duplicateOf === `e${(i * 7919) % n}`) found++;
    }
    const cpuMsPerLookup = ((ownCpuSeconds() - cpu0) * 1000) / lookups;
    if (found !== lookups / 2) throw new Error(`${found} of ${lookups / 2} repeats found`);
    const pings = new Float64Array(lookups);
    for (let i = 0; i < lookups; i++) {
      const t = performance.now();
      await redis.ping();
      pings[i] = performance.now() - t;
    }
    return {
      ...percentiles([...times]),
      cpuMsPerLookup,
      probeCpuMs,
      cold: percentiles([...cold]),
      ceiling: percentiles([...pings]),
    };
  } finally {
    redis.disconnect();
    await ix.close();
  }
}

/** What the lookups process prints. */
export type LookupFigures = Awaited<ReturnType<typeof run>>;

if (import.meta.main) {
  const out = await run(JSON.parse(Deno.args[0]) as LookupJob);
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(out) + "\n"));
}
