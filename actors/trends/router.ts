/**
 * Stage 1 of a scaled-out aggregator: reads `posts-classified` (group `<AGG_GROUP>-router`),
 * extracts each post's keywords and sends every batch to `trend-keywords` as one record per
 * partition (`route.ts`), then acks. It keeps no state: after a crash it replays from the
 * committed offset, and the aggregators skip what they already counted by source offset.
 * Invalid posts are counted and acked (as the direct aggregator does), never sent.
 */
import { aggregatorEvents } from "../../lib/metrics.ts";
import { ClassifiedPost, parseMessage } from "../../schemas/mod.ts";
import type { Envelope, Producer } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import type { KeywordOptions } from "./keywords.ts";
import { routePosts } from "./route.ts";

const CHUNK = 500;

export interface RouterOptions {
  producer: Producer;
  /** `trend-keywords` and its partition count. */
  topic: string;
  partitions: number;
  /** Partitions of `posts-classified`: the aggregators' watermark waits for all of them. */
  sourcePartitions: number;
  keywordOptions: KeywordOptions;
  batchSize?: number;
  flushMs?: number;
}

export function createRouter(o: RouterOptions): Actor<Envelope> {
  return createBatchWorker<ClassifiedPost>({
    decode: (env) => {
      const r = parseMessage(env.message.value, ClassifiedPost, "post");
      if ("invalid" in r) {
        aggregatorEvents.inc({ outcome: "invalid" });
        return undefined;
      }
      return r;
    },
    handle: async (items) => {
      if (!items.length) return;
      const posts = items.map(({ value, env }) => ({
        post: value,
        partition: env.message.partition,
        offset: Number(env.message.offset),
      }));
      // Records of at most CHUNK posts stay well below Kafka's 1 MB message limit.
      const records = [];
      for (let i = 0; i < posts.length; i += CHUNK) {
        const chunk = posts.slice(i, i + CHUNK);
        records.push(...routePosts(chunk, o.partitions, o.sourcePartitions, o.keywordOptions));
      }
      await o.producer.send(o.topic, records);
    },
    sizing: { batchSize: o.batchSize, flushMs: o.flushMs },
    defaults: { capacity: 20_000, batchSize: 2_000, flushMs: 200 },
  });
}
