/**
 * Role `text-writer`: a consumer-group member of `text-messages` feeding the text writer actor
 * (`writer.ts`), which stores `text_messages` (`store.ts`).
 */
import { migrate } from "../../db/mod.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { ensureTopic, pipelineRole } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { TextMessageStore } from "./store.ts";
import { createTextWriter } from "./writer.ts";
import type { TextWriterOptions } from "./writer.ts";

export function textWriterRole(
  rt: Runtime,
  overrides: Partial<Pick<TextWriterOptions, "beforeInsert" | "retries">> = {},
): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "text-writer",
    setup: async (ctx) => {
      const db = await rt.db();
      const applied = await migrate(db);
      if (applied.length) ctx.logger.info("migrations applied", { versions: applied });
      await ensureTopic(rt, c.TEXT_TOPIC);
      const store = new TextMessageStore(db);
      const producer = await rt.producer();
      return {
        workerId: "writer",
        worker: (wctx) =>
          createTextWriter({
            store,
            producer,
            logger: wctx.logger,
            capacity: c.MAILBOX_CAPACITY,
            maxBytes: c.MAILBOX_MAX_BYTES,
            concurrency: c.WRITER_CONCURRENCY,
            batchSize: c.WRITER_BATCH_SIZE,
            flushMs: c.WRITER_FLUSH_MS,
            ...overrides,
          }),
        // Fetching overlaps storing; only each partition's acked prefix is committed.
        input: { groupId: c.TEXT_GROUP, topics: [c.TEXT_TOPIC], pipelined: true },
      };
    },
  });
}
