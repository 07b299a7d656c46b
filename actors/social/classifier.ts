/**
 * The classifier: an actor fed by the `classifiers` group on `posts-raw`. Per batch it
 * validates each post (invalid → dead letter), classifies the valid ones with the configured
 * backend, publishes `ClassifiedPost`s to `posts-classified` (keyed by DID, in order) and to the
 * optional Redis outputs, and only then acks. The consumer keeps heartbeating while a batch is
 * classified, so a slow backend does not stall the group. The producer cuts the output into
 * requests under the topic's size limit; a post whose classified record is too large for the
 * topic on its own is dead-lettered with that reason instead of failing the batch.
 */
import type { Logger } from "../../lib/log.ts";
import { postsClassified } from "../../lib/metrics.ts";
import type { Classifier } from "../nlp/mod.ts";
import { decodeWith, PostData } from "../../schemas/mod.ts";
import type { ClassifiedPost } from "../../schemas/social.ts";
import { sendOrRefuse } from "../../transport/mod.ts";
import type { DeadLetterQueue, Envelope, Producer } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";

export interface ClassifierActorOptions {
  classifier: Classifier;
  producer: Producer;
  topic: string;
  deadLetters: DeadLetterQueue;
  /** Extra outputs (Redis stream / channel), awaited before the ack. */
  extraOutputs?: Array<(posts: ClassifiedPost[]) => Promise<void>>;
  logger: Logger;
  capacity?: number;
  batchSize?: number;
  flushMs?: number;
}

export function createClassifierActor(o: ClassifierActorOptions): Actor<Envelope> {
  return createBatchWorker<PostData>({
    deadLetters: o.deadLetters,
    decode: decodeWith(PostData, "post"),
    handle: async (items, batch) => {
      const posts = items.map((i) => i.value);
      const results = posts.length ? await o.classifier.classify(posts, batch.stopping) : [];
      const now = new Date().toISOString();
      const classified: ClassifiedPost[] = posts.map((p, i) => {
        const { model, ...c } = results[i] as typeof results[number] & { model?: string };
        return { ...p, ...c, model: model ?? o.classifier.model, classified_at: now };
      });
      if (classified.length) {
        const [{ refused, limit }] = await Promise.all([
          sendOrRefuse(
            o.producer,
            o.topic,
            classified.map((c) => ({ key: c.did, value: JSON.stringify(c) })),
          ),
          ...(o.extraOutputs ?? []).map((out) => out(classified)),
        ]);
        await batch.deadLetter(refused.map(({ index, bytes }) => ({
          env: items[index].env,
          reason: `classified post too large for ${o.topic}: ${bytes} bytes over its ` +
            `limit of ${limit}`,
        })));
      }
      if (posts.length) {
        postsClassified.inc({ backend: o.classifier.model.split(":")[0] }, posts.length);
      }
    },
    sizing: o,
    defaults: { capacity: 10_000, batchSize: 500, flushMs: 20 },
  });
}
