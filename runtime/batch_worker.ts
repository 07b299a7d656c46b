/**
 * The skeleton of every consumer worker: an actor over envelopes that, per batch, decodes each
 * message, dead-letters the invalid ones while the worker handles the valid ones, and only then
 * acks the whole batch (Benthos's one `AsyncReader` for every input, here one worker shape for
 * every consumer). If decoding, dead-lettering or the handler throws, the actor crashes and
 * every envelope it had not finished is nacked: nothing of the batch is committed.
 */
import { Actor } from "./actor.ts";
import { messagesConsumed } from "../lib/metrics.ts";
import type { DeadLetter, DeadLetterQueue, Envelope } from "../transport/types.ts";

/** Why a message is invalid; `fields` are logged with it (an `order_id`, say). */
export interface Invalid {
  invalid: string;
  fields?: Record<string, unknown>;
}

/** A decoded message: its value, the reason it is invalid, or `undefined` to only ack it. */
export type Decoded<T> = T | Invalid | undefined;

/** A valid message's value with its envelope. */
export interface Item<T> {
  value: T;
  env: Envelope;
}

/** What a handler may use besides its items. */
export interface WorkerBatch {
  /** Aborts once the actor is asked to stop or close (to end long waits). */
  stopping: AbortSignal;
  /** The whole batch, in order. */
  envelopes: Envelope[];
  /** The batch's invalid messages, being dead-lettered while the handler runs. */
  invalid: DeadLetter[];
  /** Dead-letters more of the batch (records the database refused, conflicts). */
  deadLetter(items: DeadLetter[]): Promise<void>;
}

/** How a worker batches; each worker documents its defaults. */
export interface WorkerSizing {
  /** Mailbox capacity: a full mailbox makes the consumer pause its partition. */
  capacity?: number;
  /** Largest batch handed to the handler. */
  batchSize?: number;
  /** How long a partial batch waits to fill, in ms. */
  flushMs?: number;
  /** Batches handled at once (the next one decoded while the last is stored). Default 1. */
  concurrency?: number;
  /** Mailbox bound in bytes of message keys and values; 0 bounds the count only. Default 0. */
  maxBytes?: number;
}

export interface BatchWorkerOptions<T> {
  /** The sizing asked for (a worker's options); what it leaves out comes from `defaults`. */
  sizing: WorkerSizing;
  defaults: Required<Pick<WorkerSizing, "capacity" | "batchSize" | "flushMs">>;
  /** Decodes one message (in batch order). */
  decode: (env: Envelope) => Decoded<T>;
  /** Where invalid messages go. Required when `decode` can answer `Invalid`. */
  deadLetters?: DeadLetterQueue;
  /** Does the work for the valid items; the batch is acked once it resolves. */
  handle: (items: Array<Item<T>>, batch: WorkerBatch) => Promise<void>;
}

function isInvalid(d: unknown): d is Invalid {
  return typeof d === "object" && d !== null && "invalid" in d;
}

export function createBatchWorker<T>(o: BatchWorkerOptions<T>): Actor<Envelope> {
  const deadLetter = (items: DeadLetter[]): Promise<void> => {
    if (items.length === 0) return Promise.resolve();
    if (!o.deadLetters) throw new TypeError("A worker that dead-letters needs deadLetters");
    return o.deadLetters.send(items);
  };
  return new Actor<Envelope>({
    capacity: o.sizing.capacity ?? o.defaults.capacity,
    batchSize: o.sizing.batchSize ?? o.defaults.batchSize,
    lingerMs: o.sizing.flushMs ?? o.defaults.flushMs,
    concurrency: o.sizing.concurrency ?? 1,
    maxBytes: o.sizing.maxBytes ?? 0,
    sizeOf: envelopeBytes,
    onDrop: (env, reason) => env.nack(reason),
    handle: async (envelopes, stopping) => {
      countConsumed(envelopes);
      const items: Array<Item<T>> = [];
      const invalid: DeadLetter[] = [];
      for (const env of envelopes) {
        const d = o.decode(env);
        if (d === undefined) continue;
        if (isInvalid(d)) invalid.push({ env, reason: d.invalid, fields: d.fields });
        else items.push({ value: d, env });
      }
      // The invalid ones go first, so the dead-letter topic keeps the batch's order of reasons.
      const sent = deadLetter(invalid);
      await Promise.all([o.handle(items, { stopping, envelopes, invalid, deadLetter }), sent]);
      for (const env of envelopes) env.ack();
    },
  });
}

/** What a message holds in memory, roughly: its key and value bytes plus the envelope. */
function envelopeBytes({ message: m }: Envelope): number {
  return (m.key?.byteLength ?? 0) + (m.value?.byteLength ?? 0) + 200;
}

function countConsumed(envelopes: Envelope[]): void {
  const byTopic = new Map<string, number>();
  for (const { message: { topic } } of envelopes) byTopic.set(topic, (byTopic.get(topic) ?? 0) + 1);
  for (const [topic, n] of byTopic) messagesConsumed.inc({ topic }, n);
}
