/**
 * Role `text-writer`: a consumer-group member of `text-messages` feeding the text writer actor,
 * under a `rest_for_one` supervisor (a crashed writer takes the consumer down with it, so the
 * consumer rejoins and replays from the last committed offset).
 */
import { createTextWriter } from "./writer.ts";
import type { TextWriterOptions } from "./writer.ts";
import { Supervisor } from "../../runtime/supervisor.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { migrate, TextMessageStore } from "../../db/mod.ts";
import { dlqTopic } from "../../transport/mod.ts";
import { actorChild, consumerChild } from "../../runtime/children.ts";
import type { Runtime } from "../resources.ts";

export function supervisorOptions(rt: Runtime, name: string) {
  const c = rt.config;
  return {
    name,
    intensity: c.SUPERVISOR_MAX_RESTARTS,
    periodMs: c.SUPERVISOR_PERIOD_S * 1000,
    backoff: { initialMs: c.SUPERVISOR_BACKOFF_MS, maxMs: c.SUPERVISOR_BACKOFF_MAX_MS },
    logger: rt.log,
  };
}

/** Creates the topic and its dead-letter topic if missing. */
export async function ensureTopic(
  rt: Runtime,
  topic: string,
  partitions = rt.config.TOPIC_PARTITIONS,
  retentionMs = rt.config.TOPIC_RETENTION_MS,
): Promise<void> {
  const admin = await rt.admin();
  await admin.ensureTopics([
    { topic, partitions, retentionMs },
    { topic: dlqTopic(topic), partitions: 1, retentionMs },
  ]);
}

export function textWriterRole(
  rt: Runtime,
  overrides: Partial<Pick<TextWriterOptions, "beforeInsert" | "retries">> = {},
): ChildSpec {
  const c = rt.config;
  return {
    id: "text-writer",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      const db = await rt.db();
      const applied = await migrate(db);
      if (applied.length) ctx.logger.info("migrations applied", { versions: applied });
      await ensureTopic(rt, c.TEXT_TOPIC);
      const store = new TextMessageStore(db);
      const producer = await rt.producer();
      const sup = new Supervisor([
        actorChild("writer", (wctx) =>
          createTextWriter({
            store,
            producer,
            logger: wctx.logger,
            capacity: c.MAILBOX_CAPACITY,
            batchSize: c.WRITER_BATCH_SIZE,
            flushMs: c.WRITER_FLUSH_MS,
            ...overrides,
          })),
        consumerChild("consumer", rt.transport, {
          groupId: c.TEXT_GROUP,
          topics: [c.TEXT_TOPIC],
          targetId: "writer",
          sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
        }),
      ], { ...supervisorOptions(rt, "text-writer"), strategy: "rest_for_one" });
      return await sup.start();
    },
  };
}
