/**
 * The order producer: generates mock orders at a steady rate (`rate` per second, spread over
 * small ticks rather than bursts), keyed by customer_id so one customer's orders stay in order.
 * Each tick's orders are sent together and confirmed per message.
 *
 * It rides out outages instead of crashing: a send that keeps failing (Kafka away) is held and
 * retried with capped backoff until delivered, an id block that cannot be reserved (PostgreSQL
 * away) is asked for again the same way, and neither generates more orders meanwhile. A run
 * (`ledger`) resumes after a restart: how many orders it delivered and where it is in its ids
 * are saved after each delivered tick (in the background: an outage does not stop production
 * while ids are held), so `count` is a total over restarts, not per start. `stop` stops
 * generating and gives up a held send at once (its orders are reported, not counted).
 */
import { deadline } from "../../lib/deadline.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { ordersProduced } from "../../lib/metrics.ts";
import { delay, retry } from "../../lib/retry.ts";
import type { Order } from "../../schemas/orders.ts";
import type { Producer } from "../../transport/mod.ts";
import type { ChildHandle } from "../../runtime/supervisor.ts";
import { taskHandle } from "../../runtime/children.ts";
import { generateOrder } from "./generator.ts";
import type { OrderIds } from "./ids.ts";
import type { RunProgress } from "./store.ts";

/** Where a producer run's progress is kept. */
export interface RunLedger {
  /** The run's progress so far, or null for a new run (retried while it fails). */
  load(): Promise<RunProgress | null>;
  /** Keeps a newer progress (retried in the background while it fails). */
  save(p: RunProgress): Promise<void>;
}

export interface OrderProducerOptions {
  producer: Producer;
  ids: OrderIds;
  topic: string;
  /** Orders per second. */
  rate: number;
  /** Stop once the run has delivered this many orders (the child then exits normally). */
  count?: number;
  logger: Logger;
  /** Where the run's progress is kept. Default: nowhere (every start is a new run). */
  ledger?: RunLedger;
  /** First retry delay in ms. Default 200. */
  retryInitialMs?: number;
  /** Largest retry delay in ms: a service that comes back is used within about this. Default 2_000. */
  retryMaxMs?: number;
}

export interface ProducerStats {
  /** Orders delivered by this start of the producer. */
  delivered: number;
  /** Orders given up (a stop while their send was held). */
  failed: number;
  /** Orders delivered by the run, over every start. */
  sent: number;
}

/** Saves are coalesced: at most one in flight, then the latest, this often at most. */
const SAVE_EVERY_MS = 100;
/** How long a stopping producer tries to save its progress once more. */
const LAST_SAVE_MS = 2_000;

export function startOrderProducer(o: OrderProducerOptions): ChildHandle<ProducerStats> {
  if (!(o.rate > 0)) throw new RangeError(`Order rate must be positive, got ${o.rate}`);
  const stats: ProducerStats = { delivered: 0, failed: 0, sent: 0 };
  const stopping = new AbortController();
  const signal = stopping.signal;
  const tickMs = Math.max(5, Math.min(100, 1000 / o.rate));
  const backoff = { initialMs: o.retryInitialMs ?? 200, maxMs: o.retryMaxMs ?? 2_000 };

  /** `fn`, retried until it succeeds; null once stopping. A non-retriable error is thrown. */
  const hold = async <T>(what: string, fn: () => Promise<T>, fields = {}): Promise<T | null> => {
    try {
      return await retry(fn, {
        ...backoff,
        retries: Infinity,
        signal,
        onRetry: (err, attempt, delayMs) => {
          // An outage retries every couple of seconds: the first failures and then every tenth.
          if (attempt <= 3 || attempt % 10 === 0) {
            o.logger.warn(`${what} failed, retrying`, { ...fields, attempt, delayMs, err });
          }
        },
      });
    } catch (err) {
      if (signal.aborted) return null;
      throw err;
    }
  };

  const saver = o.ledger && progressSaver(o.ledger, o.logger, signal);

  const sendTick = async (orders: Order[]): Promise<boolean> => {
    const records = orders.map((x) => ({ key: x.customer_id, value: JSON.stringify(x) }));
    const deliveries = await hold("sending orders", () => o.producer.send(o.topic, records), {
      order_id: orders[0].order_id,
      orders: orders.length,
    });
    if (deliveries === null) {
      stats.failed += orders.length;
      ordersProduced.inc({ result: "failed" }, orders.length);
      for (const x of orders) {
        o.logger.error("order not delivered: stopped while its send was failing", {
          order_id: x.order_id,
        });
      }
      return false;
    }
    stats.delivered += orders.length;
    stats.sent += orders.length;
    ordersProduced.inc({ result: "delivered" }, orders.length);
    orders.forEach((x, i) =>
      o.logger.debug("order delivered", {
        order_id: x.order_id,
        partition: deliveries[i].partition,
        offset: deliveries[i].offset,
      })
    );
    return true;
  };

  const run = async () => {
    const saved = o.ledger ? await hold("loading the producer run", () => o.ledger!.load()) : null;
    if (saved) {
      stats.sent = saved.sent;
      o.ids.restore(saved.ids);
      o.logger.info("resuming the producer run", { sent: saved.sent, count: o.count });
    }
    const remaining = o.count === undefined ? Infinity : Math.max(0, o.count - stats.sent);
    const started = performance.now();
    let made = 0;
    while (!signal.aborted && made < remaining) {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(Math.floor(elapsed * o.rate) + 1, remaining);
      if (due > made) {
        const orders: Order[] = [];
        for (let k = made; k < due; k++) {
          const now = new Date();
          const id = await hold("reserving order ids", () => o.ids.next(now));
          if (id === null) break;
          orders.push(generateOrder(id, now));
        }
        if (orders.length < due - made) break; // stopped while reserving ids
        const position = o.ids.position();
        if (!(await sendTick(orders))) break;
        made = due;
        saver?.push({ sent: stats.sent, ids: position });
        continue;
      }
      const nextAt = started + (made / o.rate) * 1000;
      await delay(Math.max(1, Math.min(tickMs, nextAt - performance.now())), signal)
        .catch(() => {});
    }
    if (saver) {
      // A finished run must be known as finished: wait for its last save (until stopped).
      if (!(await saver.flush())) {
        o.logger.warn("the producer run's last progress was not saved", { sent: stats.sent });
      }
    }
    o.logger.info("order producer finished", { ...stats, stopped: signal.aborted });
  };

  return taskHandle(run(), stopping, stats);
}

/**
 * Saves the latest progress in the background, one save at a time, retrying a failed one until
 * a newer progress replaces it or the producer stops.
 */
function progressSaver(ledger: RunLedger, log: Logger, signal: AbortSignal) {
  let latest: RunProgress | null = null;
  let draining: Promise<void> | null = null;
  let failures = 0;
  const drain = async () => {
    while (latest) {
      const p = latest;
      try {
        await ledger.save(p);
        if (failures > 0) log.info("producer run progress saved again", { sent: p.sent });
        failures = 0;
        if (latest === p) latest = null;
      } catch (err) {
        if (failures++ === 0) {
          log.warn("saving the producer run failed; retrying in the background", {
            sent: p.sent,
            reason: errorMessage(err),
          });
        }
        if (signal.aborted) return;
      }
      if (latest) await delay(failures ? 1_000 : SAVE_EVERY_MS, signal).catch(() => {});
      if (signal.aborted) return;
    }
  };
  return {
    push(p: RunProgress): void {
      latest = p;
      draining ??= drain().finally(() => (draining = null));
    },
    /** Waits for the latest progress to be saved; false if stopped first (one last try then). */
    async flush(): Promise<boolean> {
      while (latest && !signal.aborted) {
        draining ??= drain().finally(() => (draining = null));
        await draining;
      }
      if (!latest) return true;
      return await deadline(ledger.save(latest), LAST_SAVE_MS).then(() => true, () => false);
    },
  };
}
