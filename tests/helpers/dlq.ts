/**
 * Setup for the bounded-producer and dead-letter tests: records produced gzip-compressed the way
 * a foreign producer may, so a topic can hold a record larger than the broker takes uncompressed.
 */
import { Buffer } from "node:buffer";
import { CompressionTypes } from "kafkajs";
import type { InMessage } from "../../transport/mod.ts";
import type { Sandbox } from "./mod.ts";

/** Produces raw records with gzip, as one request per `chunk` records (kafkajs directly). */
export async function produceCompressed(
  s: Pick<Sandbox, "kafka">,
  topic: string,
  records: Array<
    { key?: Uint8Array | string | null; value: Uint8Array | string; partition?: number }
  >,
  chunk = 500,
): Promise<void> {
  // Idempotent: a retried request (a new topic's leader not known yet) must not add copies.
  const p = s.kafka.kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await p.connect();
  try {
    for (let i = 0; i < records.length; i += chunk) {
      await p.send({
        topic,
        compression: CompressionTypes.GZIP,
        acks: -1,
        messages: records.slice(i, i + chunk).map((r) => ({
          key: r.key == null ? null : typeof r.key === "string" ? r.key : Buffer.from(r.key),
          value: typeof r.value === "string" ? r.value : Buffer.from(r.value),
          partition: r.partition ?? 0,
        })),
      });
    }
  } finally {
    await p.disconnect();
  }
}

/** Whether a group's committed offsets reached the end of every partition of a topic. */
export async function drained(s: Sandbox, group: string, topic: string): Promise<boolean> {
  const lag = await (await s.kafka.admin()).lag(group, topic);
  return lag.length > 0 && lag.every((p) => p.committed !== null && p.lag === 0);
}

/** Source offsets of dead letters, as numbers, sorted. */
export function sourceOffsets(dead: InMessage[]): number[] {
  return dead.map((m) => Number(m.headers["x-dlq-source-offset"])).sort((a, b) => a - b);
}
