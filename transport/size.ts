/**
 * Sends bounded by the broker's limits. A broker refuses a record batch larger than the topic's
 * `max.message.bytes`; a producer that sends everything in one request is refused as a whole,
 * and retrying the same request is refused again. Here every send is cut into chunks whose
 * batch for each partition stays under the limit (with headroom for batch and record
 * overhead), and a record too large on its own is refused up front with a `RecordTooLargeError`
 * naming it, never retried as transient. Both transports use it, so every caller of a producer
 * (dead letters, the classifier's output, the firehose, send batching) is bounded for free.
 */
import { Buffer } from "node:buffer";
import { SluiceError } from "../lib/errors.ts";
import type { Delivery, OutRecord, Producer } from "./types.ts";

/** Kafka's default `message.max.bytes` (and a topic's `max.message.bytes`): 1 MiB + 12. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** A record batch's fixed header (61 bytes in format v2), rounded up. */
export const BATCH_OVERHEAD = 128;
/** One record's attributes, timestamp and offset deltas and length varints, generously. */
const RECORD_OVERHEAD = 40;
/** One header's varints. */
const HEADER_OVERHEAD = 10;
/** Records in one produce request at most, whatever their size. */
const MAX_CHUNK_RECORDS = 10_000;

/** kafkajs error types (from the broker) that refuse a request for its size. */
const SIZE_REFUSALS = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_RECORD_LIST",
  "POLICY_VIOLATION",
]);

/** Bytes of a string (UTF-8) or byte array. */
export function byteLength(v: string | Uint8Array | null | undefined): number {
  if (v == null) return 0;
  return typeof v === "string" ? Buffer.byteLength(v, "utf8") : v.byteLength;
}

/** The bytes a record takes in a record batch, estimated from above. */
export function recordBytes(r: OutRecord): number {
  let n = RECORD_OVERHEAD + byteLength(r.key) + byteLength(r.value);
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    n += HEADER_OVERHEAD + byteLength(k) + byteLength(v);
  }
  return n;
}

/**
 * The most record bytes (as `recordBytes` counts them) one partition's batch may carry under a
 * broker limit: the limit less the batch header and a margin of 1/64 (at least 1 KiB) for what
 * the estimate may miss.
 */
export function usableBytes(limit: number): number {
  return Math.max(1, limit - BATCH_OVERHEAD - Math.max(1_024, Math.ceil(limit / 64)));
}

/** A record too large for its topic, by its index in the send. */
export interface RefusedRecord {
  index: number;
  bytes: number;
}

/**
 * Records refused for their size: too large for the topic's limit on their own, or refused by
 * the broker for it. Not retriable: the same record is refused again. `deliveries` has the
 * deliveries of the records that were sent (the others are undefined), so a caller can re-send
 * only what did not land.
 */
export class RecordTooLargeError extends SluiceError {
  constructor(
    readonly topic: string,
    /** The topic's limit (`max.message.bytes`) this send was cut for. */
    readonly limit: number,
    readonly refused: RefusedRecord[],
    readonly deliveries: Array<Delivery | undefined>,
    cause?: unknown,
  ) {
    const first = refused[0];
    super(
      "RECORD_TOO_LARGE",
      `Producing to ${topic} refused ${refused.length} record(s) over its limit of ${limit} bytes` +
        (first ? ` (record ${first.index}: ${first.bytes} bytes)` : ""),
      { retriable: false, cause },
    );
  }

  /** The room a single record has on this topic (as `recordBytes` counts). */
  get usable(): number {
    return usableBytes(this.limit);
  }
}

/** Whether a broker error (or one it caused, or one of an aggregate) refuses a send's size. */
export function isSizeRefusal(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== "object" || depth > 5) return false;
  if (err instanceof RecordTooLargeError) return true;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof e.type === "string" && SIZE_REFUSALS.has(e.type)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isSizeRefusal(x, depth + 1))) return true;
  return isSizeRefusal(e.cause, depth + 1) || isSizeRefusal(e.originalError, depth + 1);
}

/**
 * Cuts `records` (with their chosen partitions) into consecutive chunks in which each
 * partition's records take at most `budget` bytes; a chunk also holds at most `4 × budget`
 * bytes in all. Order is kept, so chunks sent one after the other keep each partition's order.
 * Every record must fit the budget on its own.
 */
export function chunkRecords(sizes: number[], partitions: number[], budget: number): number[][] {
  const chunks: number[][] = [];
  let chunk: number[] = [];
  let perPartition = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    const p = partitions[i];
    const used = perPartition.get(p) ?? 0;
    if (
      chunk.length > 0 &&
      (used + sizes[i] > budget || total + sizes[i] > 4 * budget ||
        chunk.length >= MAX_CHUNK_RECORDS)
    ) {
      chunks.push(chunk);
      chunk = [];
      perPartition = new Map();
      total = 0;
    }
    chunk.push(i);
    perPartition.set(p, (perPartition.get(p) ?? 0) + sizes[i]);
    total += sizes[i];
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A dense array of `n` missing deliveries (not sparse: `every` and `map` see each one). */
function noDeliveries(n: number): Array<Delivery | undefined> {
  return Array.from({ length: n }, () => undefined);
}

/** How one chunk (records with their partitions) reaches the broker. */
export type ChunkSender = (records: OutRecord[], partitions: number[]) => Promise<Delivery[]>;

/**
 * Sends `records` to `topic` under `limit`: refuses up front (sending nothing) when a record is
 * too large on its own; otherwise sends the chunks in order. A chunk the broker refuses for its
 * size (its limit is lower than the one read) is halved until the refused records are found;
 * the rest are sent, and the refused ones are reported in a `RecordTooLargeError`. Any other
 * failure of a chunk is thrown as it is (records of earlier chunks have landed).
 */
export async function sendBounded(
  topic: string,
  records: OutRecord[],
  partitions: number[],
  limit: number,
  sendChunk: ChunkSender,
): Promise<Delivery[]> {
  const budget = usableBytes(limit);
  const sizes = records.map(recordBytes);
  const tooLarge = sizes.flatMap((bytes, index) => bytes > budget ? [{ index, bytes }] : []);
  if (tooLarge.length > 0) {
    throw new RecordTooLargeError(topic, limit, tooLarge, noDeliveries(records.length));
  }
  const deliveries = noDeliveries(records.length);
  const refused: RefusedRecord[] = [];
  let lastRefusal: unknown;
  const send = async (idx: number[]): Promise<void> => {
    try {
      const got = await sendChunk(idx.map((i) => records[i]), idx.map((i) => partitions[i]));
      idx.forEach((i, k) => (deliveries[i] = got[k]));
    } catch (err) {
      if (!isSizeRefusal(err)) throw err;
      lastRefusal = err;
      if (idx.length === 1) {
        refused.push({ index: idx[0], bytes: sizes[idx[0]] });
        return;
      }
      const half = Math.ceil(idx.length / 2);
      await send(idx.slice(0, half));
      await send(idx.slice(half));
    }
  };
  for (const chunk of chunkRecords(sizes, partitions, budget)) await send(chunk);
  if (refused.length > 0) {
    throw new RecordTooLargeError(topic, limit, refused, deliveries, lastRefusal);
  }
  return deliveries as Delivery[];
}

/** What `sendOrRefuse` could not send: records too large for the topic, by index. */
export interface Refusals {
  refused: RefusedRecord[];
  /** The topic's limit they were refused under (0 when nothing was refused). */
  limit: number;
}

/**
 * Sends `records`, leaving out those refused for their size and answering which they were, so
 * the caller can dead-letter or skip them instead of failing its whole batch. Records that landed
 * are not sent again. Any other failure is thrown.
 */
export async function sendOrRefuse(
  producer: Producer,
  topic: string,
  records: OutRecord[],
): Promise<Refusals> {
  const refused: RefusedRecord[] = [];
  let limit = 0;
  /** Indices (into `records`) still to send. */
  let pending = records.map((_, i) => i);
  for (let attempt = 1; pending.length > 0; attempt++) {
    try {
      await producer.send(topic, pending.map((i) => records[i]));
      break;
    } catch (err) {
      // A limit that keeps shrinking under us is not something to chase forever.
      if (!(err instanceof RecordTooLargeError) || attempt >= 3) throw err;
      limit = err.limit;
      const out = new Set(err.refused.map((r) => r.index));
      for (const r of err.refused) refused.push({ index: pending[r.index], bytes: r.bytes });
      pending = pending.filter((_, k) => !out.has(k) && !err.deliveries[k]);
    }
  }
  return { refused: refused.sort((a, b) => a.index - b.index), limit };
}
