/**
 * The classifier: an actor fed by the `classifiers` group on `posts-raw`. Per batch it
 * validates each post (invalid → dead letter), classifies the valid ones with the configured
 * backend, publishes `ClassifiedPost`s to `posts-classified` (keyed by DID, in order) and to the
 * optional Redis outputs, and only then acks. The consumer keeps heartbeating while a batch is
 * classified, so a slow backend does not stall the group.
 */
import type { Logger } from "../../lib/log.ts";
import { messagesDeadLettered } from "../../lib/metrics.ts";
import type { Classifier } from "./nlp/mod.ts";
import { parseMessage, PostData } from "../../schemas/mod.ts";
import type { ClassifiedPost } from "../../schemas/social.ts";
import type { Envelope, Producer } from "../../transport/mod.ts";
import { Actor } from "../../runtime/actor.ts";
import type { DeadLetterFn } from "./post_writer.ts";

export interface ClassifierActorOptions {
  classifier: Classifier;
  producer: Producer;
  topic: string;
  deadLetter: DeadLetterFn;
  /** Extra outputs (Redis stream / channel), awaited before the ack. */
  extraOutputs?: Array<(posts: ClassifiedPost[]) => Promise<void>>;
  logger: Logger;
  capacity?: number;
  batchSize?: number;
  flushMs?: number;
}

export function createClassifierActor(o: ClassifierActorOptions): Actor<Envelope> {
  return new Actor<Envelope>({
    capacity: o.capacity ?? 10_000,
    batchSize: o.batchSize ?? 500,
    lingerMs: o.flushMs ?? 20,
    onDrop: (env, reason) => env.nack(reason),
    handle: async (batch, stopping) => {
      const posts: PostData[] = [];
      const bad: Array<{ env: Envelope; reason: string }> = [];
      for (const env of batch) {
        const r = parseMessage(env.message.value, PostData, "post");
        if ("invalid" in r) bad.push({ env, reason: r.invalid });
        else posts.push(r);
      }
      const results = posts.length ? await o.classifier.classify(posts, stopping) : [];
      const now = new Date().toISOString();
      const classified: ClassifiedPost[] = posts.map((p, i) => {
        const { model, ...c } = results[i] as typeof results[number] & { model?: string };
        return { ...p, ...c, model: model ?? o.classifier.model, classified_at: now };
      });
      await Promise.all([
        classified.length
          ? o.producer.send(
            o.topic,
            classified.map((c) => ({ key: c.did, value: JSON.stringify(c) })),
          )
          : Promise.resolve(),
        ...(o.extraOutputs ?? []).map((out) =>
          classified.length ? out(classified) : Promise.resolve()
        ),
        bad.length ? o.deadLetter(bad) : Promise.resolve(),
      ]);
      if (bad.length) messagesDeadLettered.inc({ pipeline: "classifier" }, bad.length);
      for (const env of batch) env.ack();
    },
  });
}
