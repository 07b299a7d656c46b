/**
 * Keyed partitioning with kafkajs's own `Partitioners.DefaultPartitioner`, which is the Java
 * client's: murmur2 of the key bytes, made positive, modulo the partition count. Records without
 * a key are spread round-robin. Both transports choose partitions here, before sending, so each
 * record's delivery (partition and offset) is known.
 */
import { Buffer } from "node:buffer";
import { Partitioners } from "kafkajs";
import type { PartitionMetadata } from "kafkajs";

const partitioner = Partitioners.DefaultPartitioner();
const metadata = new Map<number, PartitionMetadata[]>();

/** Every partition of a topic with `n` partitions, each with a leader. */
function partitionsOf(n: number): PartitionMetadata[] {
  let m = metadata.get(n);
  if (!m) {
    m = Array.from({ length: n }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    metadata.set(n, m);
  }
  return m;
}

/** The partition a Java client picks for `key` among `partitions` (round-robin without a key). */
export function partitionFor(
  topic: string,
  key: string | Uint8Array | null,
  partitions: number,
): number {
  return partitioner({
    topic,
    partitionMetadata: partitionsOf(partitions),
    message: { key: typeof key === "string" || key === null ? key : toBuffer(key), value: null },
  });
}

/** A byte array as a Buffer over the same memory (kafkajs wants Buffers). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
