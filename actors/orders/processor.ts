/**
 * The order processor: an actor fed by the `order-processors` consumer group. Per batch it
 * validates each order (schema and business rules), stores the valid ones idempotently by
 * order_id, tells duplicates (same content: counted) from conflicts (same id, other content:
 * logged and dead-lettered, never overwritten), and only then acks. A database failure is
 * retried 3 times with exponential backoff; if the database stays down the batch is held (the
 * pipelined consumer fetches on only until the mailbox's bounds pause it, and heartbeats) and
 * retried every few seconds, with a condition raised
 * for `/ready`, instead of being skipped or committed. An order the database refuses (a data
 * error the schema did not catch) is isolated from its batch and dead-lettered with the
 * database's reason, so it never holds its partition.
 */
import { AbortedError, errorMessage, isRetriable } from "../../lib/errors.ts";
import { clearCondition, raiseCondition } from "../../lib/health.ts";
import type { Logger } from "../../lib/log.ts";
import { orderLatency, ordersCounter, writeRetries } from "../../lib/metrics.ts";
import { backoffDelay, delay } from "../../lib/retry.ts";
import { FastOrder, Order, parseMessage } from "../../schemas/mod.ts";
import { orderIn } from "./store.ts";
import type { InsertOutcome, OrderIn, OrderStore } from "./store.ts";
import { TopicDeadLetters } from "../../transport/mod.ts";
import type { DeadLetter, Envelope, Producer } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import type { Item } from "../../runtime/batch_worker.ts";
import { insertIsolating } from "../../db/isolate.ts";

export interface OrderProcessorOptions {
  store: OrderStore;
  producer: Producer;
  logger: Logger;
  capacity?: number;
  /** Mailbox bound in bytes of keys and values (0: count only). Default 0. */
  maxBytes?: number;
  /** Batches stored at once (the next one decoded while the last is stored). Default 1. */
  concurrency?: number;
  batchSize?: number;
  flushMs?: number;
  /** First retry delay in ms (then doubling). Default 200. */
  retryInitialMs?: number;
  /**
   * Delay between attempts once the 3 retries are spent, in ms: a database that comes back is
   * used within about this long. Default 1_500.
   */
  outageRetryMs?: number;
  /**
   * Aborted when the role begins to stop: a batch held during an outage is given up (nacked,
   * never committed) so the consumer in front of this actor can stop in time.
   */
  release?: AbortSignal;
}

/** The order, or the reason it is invalid. */
export function parseOrder(value: Uint8Array | null): Order | string {
  const r = parseMessage(value, FastOrder, "order");
  return "invalid" in r ? r.invalid : r;
}

export function createOrderProcessor(o: OrderProcessorOptions): Actor<Envelope> {
  const log = o.logger;

  type Stored = { out: InsertOutcome; rejected: Array<{ item: OrderIn; reason: string }> };
  /** Retries 3 times with backoff, then holds on, retrying, until stored or stopping. */
  const store = async (orders: OrderIn[], actorStopping: AbortSignal): Promise<Stored> => {
    const stopping = o.release ? AbortSignal.any([actorStopping, o.release]) : actorStopping;
    for (let attempt = 0;; attempt++) {
      try {
        const { result, rejected } = await insertIsolating(
          orders,
          (x) => o.store.insertBatch(x),
          mergeOutcomes,
        );
        if (attempt > 3) log.info("database is back; orders stored", { orders: orders.length });
        clearCondition("orders");
        return { out: result ?? emptyOutcome(), rejected };
      } catch (err) {
        // The statement itself is at fault (a missing table, say): no retry can help.
        if (!isRetriable(err)) throw err;
        if (stopping.aborted) throw new AbortedError("Stopped while the database was down", err);
        writeRetries.inc({ pipeline: "orders" });
        const outage = attempt >= 3;
        const wait = outage
          ? (o.outageRetryMs ?? 1_500)
          : backoffDelay(attempt, { initialMs: o.retryInitialMs ?? 200 });
        if (outage) {
          raiseCondition(
            "orders",
            `database unavailable, holding ${orders.length} orders: ${errorMessage(err)}`,
          );
        }
        log.warn(
          outage ? "database still down; holding the batch" : "storing orders failed, retrying",
          {
            attempt: attempt + 1,
            delayMs: wait,
            // A batch: the first order's id, and how many are held with it.
            order_id: orders[0]?.order_id,
            orders: orders.length,
            err,
          },
        );
        await delay(wait, stopping).catch(() => {});
      }
    }
  };

  return createBatchWorker<OrderIn>({
    deadLetters: new TopicDeadLetters(o.producer, log),
    // Straight to the row, its items serialised once (stored as is and compared with repeats):
    // the parsed order is garbage before the batch waits for the database.
    decode: (env) => {
      const r = parseMessage(env.message.value, FastOrder, "order");
      return "invalid" in r
        ? { ...r, fields: { order_id: rawOrderId(env.message.value) } }
        : orderIn(r);
    },
    handle: async (items, batch) => {
      const bad: DeadLetter[] = [];
      const first = new Map<string, Item<OrderIn>>();
      const repeats: Array<Item<OrderIn>> = [];
      for (const item of items) {
        if (first.has(item.value.order_id)) repeats.push(item);
        else first.set(item.value.order_id, item);
      }
      // In order_id order, as the store writes them: the bare ids sorted natively (cheaper than
      // sorting the rows with a comparator).
      const rows = [...first.keys()].sort().map((id) => first.get(id)!.value);
      const { out, rejected } = await store(rows, batch.stopping);
      // Dead-lettering logs each refused order, with its order_id and the database's reason.
      const refused = new Map<string, string>();
      for (const { item: { order_id }, reason } of rejected) {
        const why = `rejected by the database: ${reason}`;
        refused.set(order_id, why);
        bad.push({ env: first.get(order_id)!.env, reason: why, fields: { order_id } });
      }
      for (const { value: row, env } of repeats) {
        const id = row.order_id;
        if (refused.has(id)) {
          bad.push({ env, reason: refused.get(id)!, fields: { order_id: id } });
          continue;
        }
        if (sameOrder(first.get(id)!.value, row)) out.duplicates.add(`${id}#${env.message.offset}`);
        else {
          bad.push({
            env,
            reason: "conflict: order_id repeated with different content",
            fields: { order_id: id },
          });
        }
      }
      for (const [id, reason] of out.conflicts) {
        const { env } = first.get(id)!;
        log.warn("order conflict", { order_id: id, reason });
        bad.push({ env, reason: `conflict: ${reason}`, fields: { order_id: id } });
      }
      await batch.deadLetter(bad);
      const now = Date.now();
      for (const id of out.inserted) {
        const { env } = first.get(id)!;
        orderLatency.observe(Math.max(0, now - Number(env.message.timestamp)) / 1000);
      }
      const conflicts = bad.filter((b) => b.reason.startsWith("conflict")).length;
      ordersCounter.inc({ outcome: "processed" }, out.inserted.size);
      ordersCounter.inc({ outcome: "duplicates" }, out.duplicates.size);
      ordersCounter.inc({ outcome: "conflicts" }, conflicts);
      ordersCounter.inc({ outcome: "invalid" }, batch.invalid.length + bad.length - conflicts);
    },
    sizing: o,
    defaults: { capacity: 10_000, batchSize: 1_000, flushMs: 20 },
  });
}

/** Whether two orders of one id have the same content (their items compared as serialised). */
function sameOrder(x: OrderIn, y: OrderIn): boolean {
  return x.items === y.items && x.customer_id === y.customer_id &&
    x.total_amount === y.total_amount && x.status === y.status && x.created_at === y.created_at;
}

function emptyOutcome(): InsertOutcome {
  return { inserted: new Set(), duplicates: new Set(), conflicts: new Map() };
}

function mergeOutcomes(a: InsertOutcome, b: InsertOutcome): InsertOutcome {
  return {
    inserted: new Set([...a.inserted, ...b.inserted]),
    duplicates: new Set([...a.duplicates, ...b.duplicates]),
    conflicts: new Map([...a.conflicts, ...b.conflicts]),
  };
}

/** The `order_id` of an invalid order, when its bytes still name one (for the logs). */
function rawOrderId(value: Uint8Array | null): string | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(value ?? new Uint8Array()));
    return typeof v?.order_id === "string" ? v.order_id.slice(0, 64) : undefined;
  } catch {
    return undefined; // not JSON: no id to log
  }
}
