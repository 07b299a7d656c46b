/**
 * The Kafka producer: acks from all in-sync replicas, idempotent, keyed partitions chosen before
 * sending (kafkajs's Java-compatible partitioner) so that every record gets its own delivery
 * result, and a bounded retry so a send fails rather than hangs.
 */
import { Buffer } from "node:buffer";
import type { Producer as KProducer } from "kafkajs";
import { UpstreamError } from "../../lib/errors.ts";
import { retry } from "../../lib/retry.ts";
import { partitionFor } from "../_partition.ts";
import type { Delivery, OutRecord, Producer } from "../types.ts";

export class KafkaProducer implements Producer {
  constructor(
    private p: KProducer,
    /** Partition count of a topic. */
    private partitions: (topic: string) => Promise<number>,
  ) {}

  async send(topic: string, records: OutRecord[]): Promise<Delivery[]> {
    if (records.length === 0) return [];
    const n = await this.partitions(topic);
    const partitions = records.map((r) => r.partition ?? partitionFor(topic, r.key ?? null, n));
    const messages = records.map((r, i) => ({
      key: r.key ?? null,
      value: typeof r.value === "string" ? r.value : Buffer.from(r.value),
      headers: r.headers,
      partition: partitions[i],
    }));
    const meta = await retry(() => this.p.send({ topic, messages, acks: -1 }), {
      retries: 3,
      initialMs: 200,
    }).catch((err) => {
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
