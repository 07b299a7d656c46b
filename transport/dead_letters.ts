/**
 * Dead letters on a broker topic: a message that cannot be parsed or validated is produced to
 * `<topic>.dlq` with its original key, value and headers byte for byte, plus headers naming the
 * reason and where it came from. The caller acks it afterwards, so a poison message never stops
 * its partition.
 *
 * Bounded: the producer cuts the batch into requests under the dead-letter topic's limit, and a
 * record too large to dead-letter whole (a 2 MB value on a 1 MB topic) goes as a bounded copy: the
 * first `maxValueBytes` of its value with headers giving its original size and the SHA-256 of
 * the whole value. Warnings are rate-limited per cause, so a burst of bad input writes a few
 * lines with counts, not one per message.
 */
import { createHash } from "node:crypto";
import type { Logger } from "../lib/log.ts";
import { RepeatLimiter } from "../lib/log.ts";
import { countDeadLetters } from "../lib/metrics.ts";
import { byteLength, sendOrRefuse, usableBytes } from "./size.ts";
import { DLQ_HEADERS, dlqTopic } from "./types.ts";
import type { DeadLetter, DeadLetterQueue, InMessage, OutHeaders, OutRecord } from "./types.ts";
import type { Producer } from "./types.ts";

export interface DeadLetterOptions {
  /** How much of a value too large to dead-letter whole is kept, in bytes. Default 65_536. */
  maxValueBytes?: number;
  /** Warnings of one cause (topic and reason) per `warnIntervalMs`. Default 10. */
  warnBurst?: number;
  /** Default 30_000. */
  warnIntervalMs?: number;
}

/**
 * The process's defaults (`DLQ_MAX_VALUE_BYTES`, set once at start-up by the runtime), for the
 * queues its roles build.
 */
export const deadLetterDefaults: Required<DeadLetterOptions> = {
  maxValueBytes: 64 * 1024,
  warnBurst: 10,
  warnIntervalMs: 30_000,
};

/** A bounded copy keeps the original key and headers up to this many bytes each. */
const MAX_KEPT_KEY_BYTES = 4_096;
const MAX_KEPT_HEADER_BYTES = 16_384;
/** Room left in a bounded copy for its own headers. */
const COPY_HEADROOM = 2_048;

/** The dead-letter record of `m`: its bytes as they came, and why. */
export function deadLetterRecord(m: InMessage, reason: string): OutRecord {
  return {
    key: m.key,
    value: m.value ?? new Uint8Array(),
    headers: {
      ...originalHeaders(m),
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.sourceTopic]: m.topic,
      [DLQ_HEADERS.sourcePartition]: String(m.partition),
      [DLQ_HEADERS.sourceOffset]: m.offset,
    },
  };
}

/**
 * The bounded copy of `m`'s dead letter for a topic taking `usable` bytes per record: a prefix of
 * the value (at most `maxValueBytes`), the original size and hash, the key and original headers
 * when small (else their prefix or nothing).
 */
export function boundedCopy(
  m: InMessage,
  reason: string,
  usable: number,
  maxValueBytes: number,
): OutRecord {
  const value = m.value ?? new Uint8Array();
  const original = originalHeaders(m);
  const originalBytes = Object.entries(original).reduce(
    (n, [k, v]) => n + byteLength(k) + byteLength(v),
    0,
  );
  const key = m.key && m.key.byteLength > MAX_KEPT_KEY_BYTES
    ? m.key.subarray(0, MAX_KEPT_KEY_BYTES)
    : m.key;
  const kept = originalBytes <= MAX_KEPT_HEADER_BYTES ? original : {};
  const room = usable - COPY_HEADROOM - byteLength(key) - (kept === original ? originalBytes : 0);
  const prefix = value.subarray(0, Math.max(0, Math.min(maxValueBytes, room)));
  const headers: OutHeaders = {
    ...kept,
    [DLQ_HEADERS.reason]: `${reason} (too large to dead-letter whole: ${value.byteLength} bytes)`,
    [DLQ_HEADERS.sourceTopic]: m.topic,
    [DLQ_HEADERS.sourcePartition]: String(m.partition),
    [DLQ_HEADERS.sourceOffset]: m.offset,
    [DLQ_HEADERS.originalSize]: String(value.byteLength),
    [DLQ_HEADERS.sha256]: createHash("sha256").update(value).digest("hex"),
    [DLQ_HEADERS.truncatedTo]: String(prefix.byteLength),
  };
  if (key !== m.key) headers["x-dlq-original-key-size"] = String(m.key!.byteLength);
  if (kept !== original) headers["x-dlq-headers-dropped"] = String(Object.keys(original).length);
  return { key, value: prefix, headers };
}

/** The message's headers as they arrived: bytes where they were bytes. */
function originalHeaders(m: InMessage): OutHeaders {
  return { ...m.headers, ...m.rawHeaders };
}

/** A reason without its particulars (positions, sizes, ids), to rate-limit warnings by cause. */
function causeOf(topic: string, reason: string): string {
  return `${topic}|${reason.slice(0, 80).replace(/\d+/g, "#")}`;
}

export class TopicDeadLetters implements DeadLetterQueue {
  #opts: Required<DeadLetterOptions>;
  #repeats: RepeatLimiter;

  constructor(private producer: Producer, private log: Logger, options: DeadLetterOptions = {}) {
    this.#opts = { ...deadLetterDefaults, ...options };
    this.#repeats = new RepeatLimiter({
      intervalMs: this.#opts.warnIntervalMs,
      burst: this.#opts.warnBurst,
    });
  }

  /** `fields` are logged with the item (an `order_id`, say). */
  async send(items: DeadLetter[]): Promise<void> {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const item of items) {
      this.#warn(item);
      const list = byTopic.get(item.env.message.topic) ?? [];
      list.push(item);
      byTopic.set(item.env.message.topic, list);
    }
    await Promise.all([...byTopic].map(([topic, list]) => this.#sendTopic(topic, list)));
    for (const [topic, list] of byTopic) countDeadLetters(topic, list.map((i) => i.reason));
  }

  /**
   * Sends one source topic's dead letters; those refused for their size are sent again as
   * bounded copies.
   */
  async #sendTopic(topic: string, items: DeadLetter[]): Promise<void> {
    const target = dlqTopic(topic);
    const records = items.map((i) => deadLetterRecord(i.env.message, i.reason));
    const { refused, limit } = await sendOrRefuse(this.producer, target, records);
    if (refused.length === 0) return;
    const copies = refused.map(({ index, bytes }) => {
      const { env: { message: m }, reason } = items[index];
      const verdict = this.#repeats.check(`${topic}|bounded copy`);
      this.log[verdict.log ? "warn" : "debug"]("dead-lettering a bounded copy of a large record", {
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        bytes,
        limit,
        ...(verdict.suppressed > 0 ? { suppressed: verdict.suppressed } : {}),
      });
      return boundedCopy(m, reason, usableBytes(limit), this.#opts.maxValueBytes);
    });
    await this.producer.send(target, copies);
  }

  #warn({ env: { message: m }, reason, fields }: DeadLetter): void {
    const line = { ...fields, topic: m.topic, partition: m.partition, offset: m.offset, reason };
    const verdict = this.#repeats.check(causeOf(m.topic, reason));
    if (verdict.log) {
      this.log.warn(
        "dead-lettering message",
        verdict.suppressed > 0 ? { ...line, suppressed: verdict.suppressed } : line,
      );
      return;
    }
    if (verdict.first) {
      this.log.warn("dead-lettering more messages of this cause; their lines are suppressed", {
        topic: m.topic,
        reason,
        forMs: this.#opts.warnIntervalMs,
      });
    }
    this.log.debug("dead-lettering message", line);
  }

  /** The producer is the process's, shared: closing the queue leaves it open. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
