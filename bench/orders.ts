/**
 * Order-pipeline figures on the real broker and PostgreSQL:
 * - throughput: a backlog of BENCH_ORDERS (default 50,000) orders, more than the processor can
 *   take at once, drained by one order-processor until every offset is committed;
 * - latency: the producer role at the default 10 orders/s for BENCH_ORDER_SECONDS (default 30)
 *   with one processor; p50 and p99 of append-to-stored time from the processor's summary.
 */
import { Supervisor } from "../runtime/supervisor.ts";
import { generateOrder, orderId } from "../actors/orders/generator.ts";
import { histogramCount, histogramQuantile, orderLatency } from "../lib/metrics.ts";
import { orderProcessorRole, orderProducerRole } from "../actors/orders/role.ts";
import { Runtime } from "../actors/resources.ts";
import { supervisorOptions } from "../actors/mod.ts";
import { committedTotal, sandbox, until } from "../tests/helpers/mod.ts";

export interface OrderBench {
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  latencyOrders: number;
  p50Ms: number;
  p99Ms: number;
}

export async function orderBench(out: (line: string) => void): Promise<OrderBench> {
  // Read when the bench runs, so `deno task bench quick` can set them first.
  const N = Number(Deno.env.get("BENCH_ORDERS") ?? 50_000);
  const SECONDS = Number(Deno.env.get("BENCH_ORDER_SECONDS") ?? 30);
  const s = await sandbox();
  try {
    out(`orders: pre-filling ${s.orderTopic} with ${N} orders...`);
    const producer = await s.kafka.producer();
    const now = new Date();
    for (let i = 0; i < N; i += 5_000) {
      const chunk = Array.from(
        { length: Math.min(5_000, N - i) },
        // A day of its own, so these ids never meet the producer role's reserved ones.
        (_, j) => generateOrder(orderId("19990101", i + j + 1), now),
      );
      await producer.send(
        s.orderTopic,
        chunk.map((o) => ({ key: o.customer_id, value: JSON.stringify(o) })),
      );
    }
    await producer.close();

    const rt = new Runtime(s.config, { transport: s.kafka });
    const sup = new Supervisor([orderProcessorRole(rt)], supervisorOptions(rt, "bench-orders"));
    const start = performance.now();
    await sup.start();
    await until(
      "every order committed",
      async () => (await committedTotal(s, s.orderGroup, s.orderTopic)) >= N,
      600_000,
      20,
    );
    const seconds = (performance.now() - start) / 1000;

    out(`orders: latency at 10 orders/s for ${SECONDS} s...`);
    orderLatency.reset();
    const prt = new Runtime({ ...s.config, ORDER_RATE: 10, ORDER_COUNT: SECONDS * 10 }, {
      transport: s.kafka,
    });
    const psup = new Supervisor([orderProducerRole(prt)], supervisorOptions(prt, "bench-producer"));
    await psup.start();
    await until(
      "the producer to finish",
      () => psup.states()[0].status === "stopped",
      (SECONDS + 60) * 1000,
    );
    await until(
      "the last orders committed",
      async () => (await committedTotal(s, s.orderGroup, s.orderTopic)) >= N + SECONDS * 10,
      60_000,
    );
    // Estimated from the histogram's buckets, as Prometheus' histogram_quantile does.
    const q = async (x: number) => ((await histogramQuantile(orderLatency, x)) ?? NaN) * 1000;
    const count = await histogramCount(orderLatency);
    await psup.stop();
    await prt.close();
    await sup.stop();
    await rt.close();
    return {
      orders: N,
      seconds,
      ordersPerSecond: N / seconds,
      latencyOrders: count,
      p50Ms: await q(0.5),
      p99Ms: await q(0.99),
    };
  } finally {
    await s.dispose();
  }
}
