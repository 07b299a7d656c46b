/**
 * The near-duplicate lookup at scale (issue 13: p99 < 1 ms with 1,000,000 stored signatures).
 * BENCH_NEAR_DUP_SIGNATURES (default 1,000,000) originals are stored under a prefix of its own
 * (`NEAR_DUP_PREFIX` if set, plus a unique suffix; deleted after) through the index's own bulk
 * write (`addOriginals`: the same script and layout as the worker's path, one command per 1,000
 * originals) in parallel workers (`_near_dup_fill.ts`). Then, in a process of its own with the
 * roles' V8 flags (`_near_dup_lookups.ts`: the heap a sentiment worker has), p50/p99 of the first
 * 10,000 lookups of new texts (a process just started), then after 20,000 such lookups p50/p99 of
 * 10,000 one-text lookups (a running worker's steady state: new texts and repeats, every repeat
 * must be found), the client CPU per lookup (and how much of it is the signature and
 * gist), and a bare Redis PING round trip from the same process as the ceiling; here, the script's server time
 * (`INFO commandstats`, EVALSHA: shared with other clients of this Redis, so an upper bound) and
 * Redis memory and key count at full size.
 */
import { Redis } from "ioredis";
import { NearDupIndex } from "../actors/finance/mod.ts";
import { ROLE_V8_FLAGS } from "../scripts/compile.ts";
import { REDIS_URL, uniqueName } from "../tests/helpers/mod.ts";
import { ownCpuSeconds } from "./_cpu.ts";
import type { LookupFigures } from "./_near_dup_lookups.ts";

type Out = (line: string) => void;
const LOOKUPS = 10_000;
/** Lookups before the steady-state ones; the first LOOKUPS of them are the cold figures. */
const WARM_UP = 20_000;

/** Runs a module of this folder as a worker with one message; resolves with its answer. */
function inWorker<T>(module: string, job: unknown, what: string): Promise<T> {
  const worker = new Worker(new URL(module, import.meta.url).href, { type: "module" });
  return new Promise<T>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<T & { error?: string }>) =>
      e.data.error ? reject(new Error(`${what}: ${e.data.error}`)) : resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`${what}: ${e.message}`));
    };
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

async function info(redis: Redis, section: string, field: RegExp): Promise<string> {
  return (await redis.info(section)).match(field)?.[1] ?? "";
}

const usedMemory = async (redis: Redis) =>
  Number(await info(redis, "memory", /^used_memory:(\d+)/m));

async function evalshaStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const line = await info(redis, "commandstats", /^cmdstat_evalsha:(.*)$/m);
  const num = (k: string) => Number(line.match(new RegExp(`${k}=(\\d+)`))?.[1] ?? 0);
  return { calls: num("calls"), usec: num("usec") };
}

/** Runs `_near_dup_lookups.ts` as a role would run: its own process, the roles' V8 flags. */
async function lookupsProcess(job: unknown): Promise<LookupFigures> {
  const script = new URL("./_near_dup_lookups.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...ROLE_V8_FLAGS, script, JSON.stringify(job)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (code !== 0) {
    throw new Error(`near-dup lookups exited with ${code}: ${text.decode(stderr).slice(-2_000)}`);
  }
  return JSON.parse(text.decode(stdout).trim().split("\n").at(-1)!) as LookupFigures;
}

/**
 * Stores originals `e0` … `e<n - 1>` through the index's bulk write, in BENCH_NEAR_DUP_WORKERS
 * (default 2) workers; returns the wall time and this process's CPU time (every thread).
 */
export async function fill(prefix: string, ttlS: number, n: number) {
  const workers = Math.max(1, Number(Deno.env.get("BENCH_NEAR_DUP_WORKERS") ?? 2));
  const t0 = performance.now();
  const cpu0 = ownCpuSeconds();
  const per = Math.ceil(n / workers);
  await Promise.all(Array.from({ length: workers }, (_, w) =>
    inWorker("./_near_dup_fill.ts", {
      url: REDIS_URL,
      prefix,
      ttlS,
      from: w * per,
      to: Math.min(n, (w + 1) * per),
    }, "near-dup fill")));
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: ownCpuSeconds() - cpu0 };
}

export async function nearDupBench(out: Out) {
  const n = Number(Deno.env.get("BENCH_NEAR_DUP_SIGNATURES") ?? 1_000_000);
  const prefix = uniqueName(Deno.env.get("NEAR_DUP_PREFIX") || "bench-nd");
  const ix = new NearDupIndex({ url: REDIS_URL, prefix, ttlS: 3_600, commandTimeoutMs: 30_000 });
  const redis = new Redis(REDIS_URL);
  try {
    const mem0 = await usedMemory(redis);
    out(`near-dup: storing ${n} signatures...`);
    const filled = await fill(prefix, 3_600, n);
    out(`  stored in ${filled.seconds.toFixed(1)} s`);
    const memoryBytes = (await usedMemory(redis)) - mem0;
    const script0 = await evalshaStats(redis);
    const lookups = await lookupsProcess({
      url: REDIS_URL,
      prefix,
      n,
      lookups: LOOKUPS,
      warmUp: WARM_UP,
    });
    const script1 = await evalshaStats(redis);
    const keys = await ix.clear();
    return {
      signatures: n,
      fillSeconds: filled.seconds,
      fillCpuSeconds: filled.cpuSeconds,
      keys,
      memoryBytes,
      lookups: LOOKUPS,
      warmUp: WARM_UP,
      ...lookups,
      scriptUsPerCall: (script1.usec - script0.usec) / Math.max(1, script1.calls - script0.calls),
    };
  } finally {
    await ix.clear();
    await ix.close();
    redis.disconnect();
  }
}
