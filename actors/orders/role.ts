/**
 * Roles `order-producer` (mock orders at ORDER_RATE per second to `food-orders`: `producer.ts`,
 * `generator.ts`, `ids.ts`; a run named ORDER_RUN_ID resumes its count after a restart) and
 * `order-processor` (member of `order-processors`, validating and storing orders:
 * `processor.ts`, `store.ts`).
 */
import { migrate } from "../../db/mod.ts";
import { startHeapTrim } from "../../lib/heap.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { ensureTopic, pipelineRole } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { OrderIds } from "./ids.ts";
import { createOrderProcessor } from "./processor.ts";
import { startOrderProducer } from "./producer.ts";
import { OrderStore } from "./store.ts";
import type { RunProgress } from "./store.ts";

async function prepare(rt: Runtime): Promise<OrderStore> {
  const c = rt.config;
  const db = await rt.db();
  await migrate(db);
  await ensureTopic(rt, c.ORDER_TOPIC, c.ORDER_PARTITIONS, c.ORDER_RETENTION_MS);
  return new OrderStore(db);
}

export function orderProducerRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  // The run's progress as last delivered, kept across restarts of this child: a restart during a
  // database outage resumes from it without the database.
  let held: RunProgress | null = null;
  let migrated = false;
  return {
    id: "order-producer",
    // With ORDER_COUNT the producer finishes normally and is not restarted.
    restart: "transient",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      startHeapTrim({ growthMiB: c.HEAP_TRIM_MIB });
      await ensureTopic(rt, c.ORDER_TOPIC, c.ORDER_PARTITIONS, c.ORDER_RETENTION_MS);
      // The pool connects on first use: nothing here needs the database yet.
      const store = new OrderStore(await rt.db());
      const ledger = {
        load: async () => {
          if (held) return held;
          if (!migrated) {
            await migrate(store.db);
            migrated = true;
          }
          return await store.loadRun(c.ORDER_RUN_ID, c.ORDER_TOPIC);
        },
        save: (p: RunProgress) => {
          held = p;
          return store.saveRun(c.ORDER_RUN_ID, c.ORDER_TOPIC, p);
        },
      };
      return startOrderProducer({
        producer: await rt.producer(),
        ids: new OrderIds((day, size) => store.reserveIds(day, size)),
        topic: c.ORDER_TOPIC,
        rate: c.ORDER_RATE,
        count: c.ORDER_COUNT,
        ledger,
        retryMaxMs: c.SUPERVISOR_BACKOFF_MAX_MS,
        logger: ctx.logger.child("producer", { run: c.ORDER_RUN_ID }),
      });
    },
  };
}

export function orderProcessorRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "order-processor",
    setup: async () => {
      startHeapTrim({ growthMiB: c.HEAP_TRIM_MIB });
      const store = await prepare(rt);
      const producer = await rt.producer();
      const release = new AbortController();
      return {
        workerId: "processor",
        worker: (pctx) =>
          createOrderProcessor({
            store,
            producer,
            logger: pctx.logger,
            capacity: c.MAILBOX_CAPACITY,
            maxBytes: c.MAILBOX_MAX_BYTES,
            concurrency: c.WRITER_CONCURRENCY,
            batchSize: c.ORDER_BATCH_SIZE,
            release: release.signal,
          }),
        input: { groupId: c.ORDER_GROUP, topics: [c.ORDER_TOPIC], pipelined: true },
        // The consumer stops first and waits for its batches: a batch held through a database
        // outage must be let go before, or a graceful stop would wait for the database.
        beforeStop: () => release.abort(new Error("the order processor is stopping")),
      };
    },
  });
}
