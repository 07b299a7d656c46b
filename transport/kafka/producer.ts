/**
 * The Kafka producer: acks from all in-sync replicas, idempotent, keyed partitions chosen before
 * sending (kafkajs's Java-compatible partitioner) so that every record gets its own delivery
 * result, sends cut into chunks under the topic's `max.message.bytes` (`../size.ts`), and a
 * bounded retry so a send fails rather than hangs. A refusal for size is never retried: it is a
 * `RecordTooLargeError` naming the records.
 */
import { Buffer } from "node:buffer";
import type { Producer as KProducer } from "kafkajs";
import { UpstreamError } from "../../lib/errors.ts";
import { retry } from "../../lib/retry.ts";
import { partitionFor, toBuffer } from "../_partition.ts";
import { isSizeRefusal, RecordTooLargeError, sendBounded } from "../size.ts";
import type { Delivery, OutHeaders, OutRecord, Producer } from "../types.ts";

/** What the producer asks its transport about a topic. */
export interface TopicFacts {
  /** Partition count. */
  partitions(topic: string): Promise<number>;
  /** The largest record batch the topic accepts, in bytes (looked up once). */
  maxMessageBytes(topic: string): Promise<number>;
  /** Forgets the limit read, after the broker refused less than it said. */
  forgetLimit(topic: string): void;
}

export class KafkaProducer implements Producer {
  constructor(private p: KProducer, private facts: TopicFacts) {}

  async send(topic: string, records: OutRecord[]): Promise<Delivery[]> {
    if (records.length === 0) return [];
    const [n, limit] = await Promise.all([
      this.facts.partitions(topic),
      this.facts.maxMessageBytes(topic),
    ]);
    const partitions = records.map((r) => r.partition ?? partitionFor(topic, r.key ?? null, n));
    try {
      return await sendBounded(
        topic,
        records,
        partitions,
        limit,
        (chunk, parts) => this.#sendChunk(topic, chunk, parts),
      );
    } catch (err) {
      // The broker refused less than the topic's configuration said: read it again next time.
      if (err instanceof RecordTooLargeError && err.cause !== undefined) {
        this.facts.forgetLimit(topic);
      }
      throw err;
    }
  }

  async #sendChunk(topic: string, records: OutRecord[], partitions: number[]): Promise<Delivery[]> {
    const messages = records.map((r, i) => ({
      key: typeof r.key === "string" || r.key == null ? r.key ?? null : toBuffer(r.key),
      value: typeof r.value === "string" ? r.value : toBuffer(r.value),
      headers: r.headers && toKafkaHeaders(r.headers),
      partition: partitions[i],
    }));
    const meta = await retry(() => this.p.send({ topic, messages, acks: -1 }).catch(sizeFinal), {
      retries: 3,
      initialMs: 200,
    }).catch((err) => {
      if (isSizeRefusal(err)) throw err;
      throw new UpstreamError("PRODUCE_FAILED", `Producing to ${topic} failed`, { cause: err });
    });
    const base = new Map<number, bigint>();
    for (const m of meta) base.set(m.partition, BigInt(m.baseOffset ?? m.offset ?? "0"));
    const seen = new Map<number, bigint>();
    return partitions.map((partition) => {
      const k = seen.get(partition) ?? 0n;
      seen.set(partition, k + 1n);
      return { topic, partition, offset: String((base.get(partition) ?? 0n) + k) };
    });
  }

  close(): Promise<void> {
    return this.p.disconnect();
  }
}

/** A size refusal ends the retries at once (the same request is refused again). */
function sizeFinal(err: unknown): never {
  if (isSizeRefusal(err)) {
    throw new UpstreamError("PRODUCE_REFUSED", "The broker refused the send for its size", {
      retriable: false,
      cause: err,
    });
  }
  throw err;
}

function toKafkaHeaders(h: OutHeaders): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(h)) out[k] = typeof v === "string" ? v : toBuffer(v);
  return out;
}
