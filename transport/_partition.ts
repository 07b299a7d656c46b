/**
 * Keyed partitioning as the Java client does it (and kafkajs's `Partitioners.DefaultPartitioner`):
 * murmur2 of the key bytes, made positive, modulo the partition count. Records without a key are
 * spread round-robin by kafkajs's partitioner. Both transports choose partitions here, before
 * sending, so each record's delivery (partition and offset) is known.
 *
 * murmur2 is computed here in 32-bit integer arithmetic (`Math.imul`), as the Java client's
 * `Utils.murmur2` is: kafkajs's computes it with 64-bit `Long` objects, several allocated per
 * four bytes of key, and was about 1 % of the ingest role's CPU. The tests compare the two
 * on arbitrary keys.
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
  if (key !== null) {
    const hash = typeof key === "string" ? murmur2(scratch, utf8Into(key)) : murmur2(key);
    return (hash & 0x7fffffff) % partitions;
  }
  return partitioner({
    topic,
    partitionMetadata: partitionsOf(partitions),
    message: { key: null, value: null },
  });
}

const utf8 = new TextEncoder();
/** A string key's UTF-8 bytes, encoded in place (a key is hashed, never kept). */
let scratch = new Uint8Array(256);

/** Encodes `key` into `scratch` (grown to fit); the number of bytes. */
function utf8Into(key: string): number {
  // At most three UTF-8 bytes a UTF-16 unit.
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
  return utf8.encodeInto(key, scratch).written;
}

const M = 0x5bd1e995;

/**
 * The Java client's `Utils.murmur2` of the first `length` bytes of `data` (seed 0x9747b28c), a
 * signed 32-bit integer.
 */
function murmur2(data: Uint8Array, length = data.length): number {
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  switch (length & 3) {
    case 3:
      h ^= data[whole + 2] << 16;
    // falls through
    case 2:
      h ^= data[whole + 1] << 8;
    // falls through
    case 1:
      h ^= data[whole];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** A byte array as a Buffer over the same memory (kafkajs wants Buffers). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
