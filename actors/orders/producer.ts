/**
 * The order producer: generates mock orders at a steady rate (`rate` per second, spread over
 * small ticks rather than bursts), keyed by customer_id so one customer's orders stay in order.
 * Each tick's orders are sent together and confirmed per message; a failed send is retried 3
 * times with exponential backoff, then every order in it is reported (logged with its order_id
 * and counted), never silently dropped. `stop` stops generating and waits for the send in flight.
 */
import { errorMessage } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { ordersProduced } from "../../lib/metrics.ts";
import { delay, retry } from "../../lib/retry.ts";
import type { Order } from "../../schemas/orders.ts";
import type { Producer } from "../../transport/mod.ts";
import type { ChildHandle } from "../../runtime/supervisor.ts";
import { taskHandle } from "../../runtime/children.ts";
import { generateOrder } from "./generator.ts";
import type { OrderIds } from "./generator.ts";

export interface OrderProducerOptions {
  producer: Producer;
  ids: OrderIds;
  topic: string;
  /** Orders per second. */
  rate: number;
  /** Stop after this many orders (the child then exits normally). */
  count?: number;
  logger: Logger;
  /** Backoff of the 3 retries, first delay in ms. Default 200. */
  retryInitialMs?: number;
}

export interface ProducerStats {
  delivered: number;
  failed: number;
}

export function startOrderProducer(o: OrderProducerOptions): ChildHandle<ProducerStats> {
  if (!(o.rate > 0)) throw new RangeError(`Order rate must be positive, got ${o.rate}`);
  const stats: ProducerStats = { delivered: 0, failed: 0 };
  const stopping = new AbortController();
  const tickMs = Math.max(5, Math.min(100, 1000 / o.rate));

  const sendTick = async (orders: Order[]) => {
    try {
      const deliveries = await retry(
        () =>
          o.producer.send(
            o.topic,
            orders.map((x) => ({ key: x.customer_id, value: JSON.stringify(x) })),
          ),
        {
          retries: 3,
          initialMs: o.retryInitialMs ?? 200,
          onRetry: (err, attempt, delayMs) => {
            for (const x of orders) {
              o.logger.warn("order send failed, retrying", {
                order_id: x.order_id,
                attempt,
                delayMs,
                reason: errorMessage(err),
              });
            }
          },
        },
      );
      stats.delivered += orders.length;
      ordersProduced.inc({ result: "delivered" }, orders.length);
      orders.forEach((x, i) =>
        o.logger.debug("order delivered", {
          order_id: x.order_id,
          partition: deliveries[i].partition,
          offset: deliveries[i].offset,
        })
      );
    } catch (err) {
      stats.failed += orders.length;
      ordersProduced.inc({ result: "failed" }, orders.length);
      for (const x of orders) {
        o.logger.error("order not delivered after 3 retries", {
          order_id: x.order_id,
          reason: errorMessage(err),
        });
      }
    }
  };

  const run = async () => {
    const started = performance.now();
    let made = 0;
    while (!stopping.signal.aborted && (o.count === undefined || made < o.count)) {
      const elapsed = (performance.now() - started) / 1000;
      let due = Math.floor(elapsed * o.rate) + 1;
      if (o.count !== undefined) due = Math.min(due, o.count);
      if (due > made) {
        const orders: Order[] = [];
        for (; made < due; made++) {
          const now = new Date();
          orders.push(generateOrder(await o.ids.next(now), now));
        }
        await sendTick(orders);
        continue;
      }
      const nextAt = started + (made / o.rate) * 1000;
      await delay(Math.max(1, Math.min(tickMs, nextAt - performance.now())), stopping.signal)
        .catch(() => {});
    }
    o.logger.info("order producer finished", { ...stats, stopped: stopping.signal.aborted });
  };

  return taskHandle(run(), stopping, stats);
}
