/**
 * Roles `order-producer` (mock orders at ORDER_RATE per second to `food-orders`: `producer.ts`,
 * `generator.ts`) and `order-processor` (member of `order-processors`, validating and storing
 * orders: `processor.ts`, `store.ts`).
 */
import { migrate } from "../../db/mod.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { ensureTopic, pipelineRole } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { OrderIds } from "./generator.ts";
import { createOrderProcessor } from "./processor.ts";
import { startOrderProducer } from "./producer.ts";
import { OrderStore } from "./store.ts";

async function prepare(rt: Runtime): Promise<OrderStore> {
  const c = rt.config;
  const db = await rt.db();
  await migrate(db);
  await ensureTopic(rt, c.ORDER_TOPIC, c.ORDER_PARTITIONS, c.ORDER_RETENTION_MS);
  return new OrderStore(db);
}

export function orderProducerRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return {
    id: "order-producer",
    // With ORDER_COUNT the producer finishes normally and is not restarted.
    restart: "transient",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      const store = await prepare(rt);
      return startOrderProducer({
        producer: await rt.producer(),
        ids: new OrderIds((day, size) => store.reserveIds(day, size)),
        topic: c.ORDER_TOPIC,
        rate: c.ORDER_RATE,
        count: c.ORDER_COUNT,
        logger: ctx.logger,
      });
    },
  };
}

export function orderProcessorRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "order-processor",
    setup: async () => {
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
        input: { groupId: c.ORDER_GROUP, topics: [c.ORDER_TOPIC] },
        // The consumer stops first and waits for its batches: a batch held through a database
        // outage must be let go before, or a graceful stop would wait for the database.
        beforeStop: () => release.abort(new Error("the order processor is stopping")),
      };
    },
  });
}
