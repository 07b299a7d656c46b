/**
 * Order-pipeline figures on the real broker and PostgreSQL, every role in its own process (so
 * each peak RSS is its own):
 * - throughput: a backlog of BENCH_ORDERS (default 50,000) orders, more than the processor can
 *   take at once, drained by one `order-processor` process until every offset is committed;
 * - latency and memory at the default rate: an `order-producer` process at 10 orders/s for
 *   BENCH_ORDER_SECONDS (default 30) into the same running processor; latency is each row's
 *   `processed_at − created_at` (order generated → row stored), p50 and p99 by PostgreSQL; the
 *   processor's RSS both right after the drain and once settled (from SETTLE_S after it on).
 *
 * CPU per order (the processor's utime + stime from /proc, and its PostgreSQL backends', found by
 * `application_name`; first row → last commit) reads about the same on a loaded machine as on a
 * quiet one, unlike the rates. BENCH_PROCESSOR_V8_FLAGS, when set, is the processor's
 * DENO_V8_FLAGS (`--prof`, say: the profile lands in the repository's folder);
 * BENCH_PROCESSOR_DENO_FLAGS, when set, are more flags of its `deno run`, split on spaces
 * (`--cpu-prof --cpu-prof-dir=/tmp/prof`: Deno's own profiler, which is not a V8 flag);
 * BENCH_ORDER_PROCESSOR_MAIN, when set to another checkout's main.ts, runs that checkout's
 * processor instead (A/B runs on a shared machine).
 */
import {
  committedTotal,
  produceOrders,
  RoleProcess,
  sandbox,
  until,
} from "../tests/helpers/mod.ts";
import type { Sandbox } from "../tests/helpers/mod.ts";
import { compiledPermissions } from "../scripts/compile.ts";
import { peakRssMiB, rssSampler } from "./ceilings.ts";
import { backendCpu, cpuSeconds } from "./_cpu.ts";

/** Seconds after the drain before the processor's settled RSS is sampled. */
const SETTLE_S = 5;

export interface OrderBench {
  orders: number;
  seconds: number;
  /** Process start → last commit (start-up and group join included). */
  ordersPerSecond: number;
  /** First row stored → last commit. */
  sustainedRate: number;
  processorPeakRssMiB: number;
  /** The processor's CPU time per order stored during the drain, in µs. */
  cpuUsPerOrder: number;
  /** Its PostgreSQL backends' CPU time per order in the same span, in µs. */
  pgCpuUsPerOrder: number;
  latencyOrders: number;
  p50Ms: number;
  p99Ms: number;
  producerPeakRssMiB: number;
  /** The processor's largest RSS while the producer ran at 10 orders/s (after the backlog). */
  processorRateRssMiB: number;
  /** The same from SETTLE_S after the drain on. */
  processorSettledRssMiB: number;
  /** The processor's CPU use at 10 orders/s, in cores. */
  rateCpuShare: number;
}

/** A processor's drain of a backlog: timed from its first stored row to its last commit. */
export interface Drain {
  /** Rows already stored when the first were seen (not in the rate). */
  firstRows: number;
  /** When the last offset was committed (performance.now()). */
  end: number;
  /** Orders a second from the first row to the last commit (NaN if the processor was `gone`). */
  sustainedRate: number;
  /** The processor's CPU time per order over the same span, in µs (NaN if `gone`). */
  cpuUsPerOrder: number;
}

/**
 * Waits for the processor `pid` to store its first orders of the sandbox's backlog of `n`, then
 * for its group to commit all `n`. `mark` runs at the moment the first rows are read (other
 * counters to start there); `gone` stops both waits early (the process exited).
 */
export async function timeDrain(
  s: Sandbox,
  pid: number,
  n: number,
  o: { mark?: () => void; gone?: () => boolean } = {},
): Promise<Drain> {
  const gone = o.gone ?? (() => false);
  const stored = async () =>
    (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders`)
      .catch(() => [{ n: 0 }]))[0].n;
  let firstAt = 0, firstRows = 0, firstCpu = 0;
  await until(
    "first rows, or the processor gone",
    async () => {
      if (gone()) return true;
      firstCpu = cpuSeconds(pid);
      o.mark?.();
      firstRows = await stored();
      firstAt = performance.now();
      return firstRows > 0;
    },
    120_000,
    5,
  );
  await until(
    "every order committed, or the processor gone",
    async () => gone() || await committedTotal(s, s.orderGroup, s.orderTopic) >= n,
    600_000,
    20,
  );
  const end = performance.now();
  const cpu = cpuSeconds(pid) - firstCpu;
  const ended = gone();
  return {
    firstRows,
    end,
    sustainedRate: ended ? NaN : (n - firstRows) / ((end - firstAt) / 1000),
    cpuUsPerOrder: ended ? NaN : cpu * 1e6 / (n - firstRows),
  };
}

export async function orderBench(out: (line: string) => void): Promise<OrderBench> {
  // Read when the bench runs, so `deno task bench quick` can set them first.
  const N = Number(Deno.env.get("BENCH_ORDERS") ?? 50_000);
  const SECONDS = Number(Deno.env.get("BENCH_ORDER_SECONDS") ?? 30);
  const s = await sandbox();
  const v8 = Deno.env.get("BENCH_PROCESSOR_V8_FLAGS");
  const env = { ...s.env, LOG_LEVEL: "warn", PGAPPNAME: s.orderGroup };
  const processorEnv = { ...env, ...(v8 ? { DENO_V8_FLAGS: v8 } : {}) };
  let processor: RoleProcess | null = null;
  let producer: RoleProcess | null = null;
  let backends: ReturnType<typeof backendCpu> | null = null;
  try {
    out(`orders: pre-filling ${s.orderTopic} with ${N} orders...`);
    await produceOrders(s, N);

    const start = performance.now();
    const main = Deno.env.get("BENCH_ORDER_PROCESSOR_MAIN") ??
      new URL("../main.ts", import.meta.url).pathname;
    const denoFlags = (Deno.env.get("BENCH_PROCESSOR_DENO_FLAGS") ?? "").split(" ").filter(Boolean);
    processor = new RoleProcess("order-processor", processorEnv, undefined, [
      "run",
      ...denoFlags,
      ...compiledPermissions("all"),
      main,
      "order-processor",
    ]);
    const pg = backends = backendCpu(s.db, s.orderGroup);
    let firstPg = 0;
    const pid = processor.child.pid;
    const d = await timeDrain(s, pid, N, { mark: () => (firstPg = pg.seconds()) });
    await pg.stop();
    const pgCpuUsPerOrder = (pg.seconds() - firstPg) * 1e6 / (N - d.firstRows);
    const { end, cpuUsPerOrder } = d;
    const seconds = (end - start) / 1000;
    const processorPeakRssMiB = peakRssMiB(processor.child.pid);

    out(`orders: the producer at 10 orders/s for ${SECONDS} s...`);
    producer = new RoleProcess("order-producer", {
      ...env,
      ORDER_RATE: "10",
      ORDER_COUNT: String(SECONDS * 10),
    });
    // The producer exits once it has sent ORDER_COUNT: its peak is sampled while it runs.
    const producerRss = rssSampler(producer.child.pid);
    const processorRss = rssSampler(pid, "VmRSS");
    const rateStart = { cpu: cpuSeconds(pid), at: performance.now() };
    const settled: { rss?: ReturnType<typeof rssSampler> } = {};
    const settle = setTimeout(() => (settled.rss = rssSampler(pid, "VmRSS")), SETTLE_S * 1000);
    await until(
      "the last orders committed",
      async () => (await committedTotal(s, s.orderGroup, s.orderTopic)) >= N + SECONDS * 10,
      (SECONDS + 90) * 1000,
    );
    const rateCpuShare = (cpuSeconds(pid) - rateStart.cpu) /
      ((performance.now() - rateStart.at) / 1000);
    clearTimeout(settle);
    producerRss.stop();
    processorRss.stop();
    const processorSettledRssMiB = settled.rss?.max() ?? NaN;
    settled.rss?.stop();
    const [q] = await s.db.query<{ n: number; p50: number; p99: number }>(
      `SELECT count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
       FROM (SELECT extract(epoch FROM processed_at - created_at) * 1000 AS ms
             FROM orders WHERE order_id NOT LIKE 'ORD-19990101-%') t`,
    );
    return {
      orders: N,
      seconds,
      ordersPerSecond: N / seconds,
      sustainedRate: d.sustainedRate,
      processorPeakRssMiB,
      cpuUsPerOrder,
      pgCpuUsPerOrder,
      latencyOrders: q.n,
      p50Ms: Number(q.p50),
      p99Ms: Number(q.p99),
      producerPeakRssMiB: producerRss.max(),
      processorRateRssMiB: processorRss.max(),
      processorSettledRssMiB,
      rateCpuShare,
    };
  } catch (err) {
    for (const p of [processor, producer]) if (p) console.error(p.output.slice(-4000));
    throw err;
  } finally {
    await backends?.stop();
    await producer?.dispose();
    // A profiler writes its profile on a graceful stop only.
    await (Deno.env.get("BENCH_PROCESSOR_DENO_FLAGS") ? processor?.stop() : processor?.dispose());
    await s.dispose();
  }
}
