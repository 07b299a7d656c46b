/**
 * The post writer: an actor whose envelopes (from Kafka or Redis) carry classified posts. Per
 * batch it validates each post, dead-letters the invalid ones, writes the rest to every
 * configured sink in parallel (each idempotent by uri), retrying transient failures, and only
 * then acks: an offset or stream entry is acknowledged once every sink has the batch.
 */
import { UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { postsWritten, writeRetries } from "../../lib/metrics.ts";
import { retry } from "../../lib/retry.ts";
import { ClassifiedPost, decodeWith } from "../../schemas/mod.ts";
import type { PostSink } from "./post_store.ts";
import type { DeadLetterQueue, Envelope } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";

export interface PostWriterOptions {
  sinks: PostSink[];
  /** Where invalid posts go: `posts-classified.dlq` (Kafka input) or `<stream>.dlq` (Redis). */
  deadLetters: DeadLetterQueue;
  logger: Logger;
  capacity?: number;
  batchSize?: number;
  flushMs?: number;
}

export function createPostWriter(o: PostWriterOptions): Actor<Envelope> {
  if (o.sinks.length === 0) throw new RangeError("The post writer needs at least one sink");
  return createBatchWorker<ClassifiedPost>({
    deadLetters: o.deadLetters,
    decode: decodeWith(ClassifiedPost, "post"),
    handle: async (items, batch) => {
      const posts = new Map<string, ClassifiedPost>();
      for (const { value } of items) posts.set(value.uri, value);
      const list = [...posts.values()];
      await Promise.all(o.sinks.map((sink) =>
        retry(() => sink.write(list), {
          retries: 5,
          initialMs: 100,
          maxMs: 2_000,
          signal: batch.stopping,
          onRetry: (err, attempt, delayMs) => {
            writeRetries.inc({ pipeline: `posts-${sink.name}` });
            o.logger.warn("sink write failed, retrying", {
              sink: sink.name,
              attempt,
              delayMs,
              err,
            });
          },
        }).then((n) => postsWritten.inc({ sink: sink.name }, n)).catch((err) => {
          throw new UpstreamError("WRITE_FAILED", `Storing posts in ${sink.name} failed`, {
            cause: err,
          });
        })
      ));
    },
    sizing: o,
    defaults: { capacity: 10_000, batchSize: 1_000, flushMs: 50 },
  });
}
