/**
 * The post writer: an actor whose envelopes (from Kafka or Redis) carry classified posts. Per
 * batch it validates each post, dead-letters the invalid ones, writes the rest to every
 * configured sink in parallel (each idempotent by uri), retrying transient failures, and only
 * then acks: an offset or stream entry is acknowledged once every sink has the batch.
 */
import { UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { messagesDeadLettered, postsWritten, writeRetries } from "../../lib/metrics.ts";
import { retry } from "../../lib/retry.ts";
import { ClassifiedPost, parseMessage } from "../../schemas/mod.ts";
import type { PostSink } from "../../db/mod.ts";
import type { Envelope } from "../../transport/mod.ts";
import { Actor } from "../../runtime/actor.ts";

export type DeadLetterFn = (items: Array<{ env: Envelope; reason: string }>) => Promise<void>;

export interface PostWriterOptions {
  sinks: PostSink[];
  deadLetter: DeadLetterFn;
  logger: Logger;
  capacity?: number;
  batchSize?: number;
  flushMs?: number;
}

export function createPostWriter(o: PostWriterOptions): Actor<Envelope> {
  if (o.sinks.length === 0) throw new RangeError("The post writer needs at least one sink");
  return new Actor<Envelope>({
    capacity: o.capacity ?? 10_000,
    batchSize: o.batchSize ?? 1_000,
    lingerMs: o.flushMs ?? 50,
    onDrop: (env, reason) => env.nack(reason),
    handle: async (batch) => {
      const posts = new Map<string, ClassifiedPost>();
      const bad: Array<{ env: Envelope; reason: string }> = [];
      for (const env of batch) {
        const r = parseMessage(env.message.value, ClassifiedPost, "post");
        if ("invalid" in r) bad.push({ env, reason: r.invalid });
        else posts.set(r.uri, r);
      }
      const list = [...posts.values()];
      await Promise.all([
        ...o.sinks.map((sink) =>
          retry(() => sink.write(list), {
            retries: 5,
            initialMs: 100,
            maxMs: 5_000,
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
        ),
        bad.length ? o.deadLetter(bad) : Promise.resolve(),
      ]);
      if (bad.length) messagesDeadLettered.inc({ pipeline: "posts" }, bad.length);
      for (const env of batch) env.ack();
    },
  });
}
