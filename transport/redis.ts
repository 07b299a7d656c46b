/**
 * Everything Sluice does with Redis as a broker, in one module: the inputs behind the consumer
 * interface, the output, and the inputs' dead letters.
 * - Stream (`RedisStreamConsumer`): a consumer group read with XREADGROUP; an entry is XACKed
 *   only after its envelope is acked (the write is stored). Entries left pending by a consumer
 *   that died are reclaimed with XAUTOCLAIM once idle for `claimIdleMs`, following its cursor
 *   through the whole pending list. At-least-once. A member leaves the group on graceful stop
 *   when nothing is pending on it, and on start prunes members that have nothing pending and
 *   have been idle longer than `claimIdleMs`, so restarts do not pile up dead members.
 * - Output (`RedisOutput`, `xaddTrimmed`): XADD with an approximate `MAXLEN ~ n` trim to a stream
 *   and/or PUBLISH to a channel, confirmed per batch.
 * - Dead letters (`RedisDeadLetters`): XADD to `<stream>.dlq` with the reason and original data.
 * - Pub/sub (`RedisPubSubConsumer`): a channel subscription, kept for compatibility with the
 *   seed services. Redis does not keep pub/sub messages: what arrives while no one listens, or
 *   while a writer crashes, is gone. At-most-once.
 */
import { Redis } from "ioredis";
import type { ChainableCommander } from "ioredis";
import { UpstreamError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { delay } from "../lib/retry.ts";
import { deliverBatch } from "./_batch.ts";
import type { Consumer, DeadLetter, DeadLetterQueue, EnvelopeTarget, InMessage } from "./types.ts";

const encoder = new TextEncoder();
type Entry = [id: string, fields: string[]];

/** Default length a stream is trimmed to (approximately) on XADD. */
export const DEFAULT_STREAM_MAXLEN = 1_000_000;

export interface StreamAppendOptions {
  /** Approximate maximum length (`MAXLEN ~`). Default {@linkcode DEFAULT_STREAM_MAXLEN}. */
  maxLen?: number;
}

/**
 * Queues `XADD stream MAXLEN ~ maxLen * field value...` on a pipeline. The trim is approximate
 * (whole radix-tree nodes), so it costs next to nothing; entries trimmed away before a reader
 * got them are lost, so `maxLen` must cover the longest backlog a reader may build.
 */
export function xaddTrimmed(
  pipe: ChainableCommander,
  stream: string,
  fields: Record<string, string>,
  options: StreamAppendOptions = {},
): ChainableCommander {
  const maxLen = options.maxLen ?? DEFAULT_STREAM_MAXLEN;
  if (!Number.isInteger(maxLen) || maxLen < 1) {
    throw new RangeError(`Stream maxLen must be a positive integer, got ${maxLen}`);
  }
  return pipe.xadd(stream, "MAXLEN", "~", maxLen, "*", ...Object.entries(fields).flat());
}

/** Runs a pipeline; the first command that failed fails it, as an UpstreamError. */
async function execAll(pipe: ChainableCommander, code: string, message: string): Promise<void> {
  const res = await pipe.exec();
  const failed = res?.find(([err]) => err);
  if (failed) throw new UpstreamError(code, message, { cause: failed[0] });
}

export interface RedisOutputOptions {
  /** The stream each value is appended to (XADD, field `data`), if any. */
  stream?: string;
  /** The pub/sub channel each value is published to, if any. */
  channel?: string;
  /** Approximate maximum length of the stream. Default {@linkcode DEFAULT_STREAM_MAXLEN}. */
  maxLen?: number;
}

/** Publishes values to a stream (trimmed approximately) and/or a channel, one pipeline a batch. */
export class RedisOutput {
  #redis: Redis;
  #o: RedisOutputOptions;

  constructor(url: string, options: RedisOutputOptions) {
    this.#o = options;
    this.#redis = new Redis(url, { maxRetriesPerRequest: 3 });
  }

  /** Resolves once Redis confirmed every value. */
  async publish(values: string[]): Promise<void> {
    const { stream, channel, maxLen } = this.#o;
    const pipe = this.#redis.pipeline();
    for (const data of values) {
      // Trimmed approximately so a stream no writer drains cannot grow without bound.
      if (stream !== undefined) xaddTrimmed(pipe, stream, { data }, { maxLen });
      if (channel !== undefined) pipe.publish(channel, data);
    }
    await execAll(pipe, "REDIS_OUTPUT_FAILED", "Publishing to Redis failed");
  }

  /** Graceful: let the replies in flight arrive, then close. */
  async stop(): Promise<void> {
    await this.#redis.quit().catch(() => {});
  }

  close(): void {
    this.#redis.disconnect();
  }
}

/**
 * Deletes a member from a group only if nothing is pending on it, atomically: XGROUP
 * DELCONSUMER drops the member's pending entries, which would then never be redelivered.
 * Returns 1 when the member is gone (deleted, or never there), 0 when it had pending entries.
 */
const DEL_IDLE_CONSUMER = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

export interface ConsumerInfo {
  name: string;
  pending: number;
  idle: number;
}

/** XINFO CONSUMERS' flat `[field, value, ...]` replies as objects. */
export function parseConsumers(reply: unknown[]): ConsumerInfo[] {
  return reply.map((row) => {
    const f = new Map<string, unknown>();
    const a = row as unknown[];
    for (let i = 0; i + 1 < a.length; i += 2) f.set(String(a[i]), a[i + 1]);
    return {
      name: String(f.get("name")),
      pending: Number(f.get("pending")),
      idle: Number(f.get("idle")),
    };
  });
}

function toMessage(stream: string, [id, fields]: Entry): InMessage {
  const headers: Record<string, string> = {};
  let value: Uint8Array | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === "data") value = encoder.encode(fields[i + 1]);
    else headers[fields[i]] = fields[i + 1];
  }
  return {
    topic: stream,
    partition: 0,
    offset: id,
    key: null,
    value,
    headers,
    timestamp: id.split("-")[0],
  };
}

export interface RedisStreamOptions {
  url: string;
  stream: string;
  group: string;
  /** This member's name; pending entries of dead members are claimed by the living. */
  consumer: string;
  target: EnvelopeTarget;
  logger: Logger;
  batch?: number;
  blockMs?: number;
  /**
   * How long an entry stays pending before another member reclaims it, and how long a member
   * with nothing pending must have been idle before a starting member removes it. Default 10_000.
   */
  claimIdleMs?: number;
}

export class RedisStreamConsumer implements Consumer {
  readonly done: Promise<void>;
  #o: Required<RedisStreamOptions>;
  #read: Redis;
  #cmd: Redis;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #reject!: (e: Error) => void;

  constructor(options: RedisStreamOptions) {
    this.#o = { batch: 500, blockMs: 1_000, claimIdleMs: 10_000, ...options };
    const opts = { lazyConnect: true, maxRetriesPerRequest: 3 };
    this.#read = new Redis(options.url, opts);
    this.#cmd = new Redis(options.url, opts);
    this.done = new Promise((_, reject) => (this.#reject = reject));
    this.done.catch(() => {});
  }

  async start(): Promise<void> {
    const { stream, group } = this.#o;
    try {
      await Promise.all([this.#read.connect(), this.#cmd.connect()]);
      await this.#cmd.xgroup("CREATE", stream, group, "0", "MKSTREAM").catch((err: Error) => {
        if (!err.message.includes("BUSYGROUP")) throw err;
      });
    } catch (err) {
      this.#read.disconnect();
      this.#cmd.disconnect();
      throw new UpstreamError("REDIS_UNAVAILABLE", `Redis at ${this.#o.url} is not available`, {
        cause: err,
      });
    }
    await this.#pruneIdleConsumers().catch((err) => {
      // Housekeeping only: leftover members cost memory and XINFO noise, never correctness.
      this.#o.logger.warn("pruning idle stream consumers failed", { err });
    });
    this.#running = true;
    this.#loop = this.#run().catch((err) => {
      this.#o.logger.error("redis stream consumer failed", { err });
      this.#reject(
        new UpstreamError("REDIS_CONSUMER_FAILED", "Redis stream consumer failed", { cause: err }),
      );
    });
  }

  /**
   * Removes members that hold no pending entries and have been idle longer than `claimIdleMs`:
   * those a restart left behind (each process joins under a new name). A live member removed
   * this way loses nothing: the deletion is atomic with the pending check, and its next
   * XREADGROUP adds it again.
   */
  async #pruneIdleConsumers(): Promise<void> {
    const { stream, group, consumer, claimIdleMs } = this.#o;
    const members = parseConsumers(
      await this.#cmd.xinfo("CONSUMERS", stream, group) as unknown[],
    );
    const removed: string[] = [];
    for (const m of members) {
      if (m.name === consumer || m.pending > 0 || m.idle <= claimIdleMs) continue;
      if (await this.#deleteIfIdle(m.name)) removed.push(m.name);
    }
    if (removed.length) {
      this.#o.logger.info("removed idle stream consumers", { stream, group, removed });
    }
  }

  async #deleteIfIdle(name: string): Promise<boolean> {
    const { stream, group } = this.#o;
    return await this.#cmd.eval(DEL_IDLE_CONSUMER, 1, stream, group, name) === 1;
  }

  /**
   * One XAUTOCLAIM step from `cursor`. A step examines a bounded slice of the pending list
   * (COUNT × 10 entries), so the returned cursor is followed until it wraps to `0-0`.
   */
  async #claim(cursor: string): Promise<{ next: string; entries: Entry[] }> {
    const { stream, group, consumer, batch, claimIdleMs } = this.#o;
    const [next, claimed] = await this.#cmd.xautoclaim(
      stream,
      group,
      consumer,
      claimIdleMs,
      cursor,
      "COUNT",
      batch,
    ) as [string, Array<Entry | null>, ...unknown[]];
    const entries = claimed.filter((e): e is Entry => !!e && !!e[1]);
    if (entries.length) {
      this.#o.logger.info("reclaimed pending entries", { stream, count: entries.length });
    }
    return { next, entries };
  }

  async #run(): Promise<void> {
    const { stream, group, consumer, batch, blockMs, claimIdleMs } = this.#o;
    const claimEveryMs = Math.min(claimIdleMs, 5_000);
    let cursor = "0-0";
    let nextClaim = 0;
    while (this.#running) {
      let entries: Entry[] = [];
      if (Date.now() >= nextClaim) {
        const claimed = await this.#claim(cursor);
        entries = claimed.entries;
        cursor = claimed.next;
        // A pass over the pending list ends when the cursor wraps; only then wait to rescan.
        if (cursor === "0-0") nextClaim = Date.now() + claimEveryMs;
      }
      if (entries.length === 0) {
        // Mid-pass, do not block: read what is new and go on with the pass.
        const block = cursor === "0-0" ? ["BLOCK", blockMs] : [];
        const res = await this.#read.call(
          "XREADGROUP",
          "GROUP",
          group,
          consumer,
          "COUNT",
          batch,
          ...block,
          "STREAMS",
          stream,
          ">",
        ) as Array<[string, Entry[]]> | null;
        entries = res?.[0]?.[1] ?? [];
      }
      if (entries.length === 0) continue;
      const messages = entries.map((e) => toMessage(stream, e));
      const outcome = await deliverBatch(messages, this.#o.target);
      // XACK strictly after the target acked (the write is stored), and only that prefix.
      if (outcome.acked > 0) {
        await this.#cmd.xack(
          stream,
          group,
          ...messages.slice(0, outcome.acked).map((m) => m.offset),
        );
      }
      if (outcome.error) await delay(200);
    }
  }

  /** Graceful: finish the batch in hand, leave the group if nothing is pending here, close. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.#read.disconnect();
    const { stream, consumer } = this.#o;
    await this.#deleteIfIdle(consumer).then((left) => {
      if (!left) this.#o.logger.info("stream consumer keeps pending entries", { stream, consumer });
    }).catch((err) => this.#o.logger.warn("leaving the stream group failed", { err }));
    await this.#cmd.quit().catch(() => {});
  }

  close(): Promise<void> {
    this.#running = false;
    this.#read.disconnect();
    this.#cmd.disconnect();
    return Promise.resolve();
  }
}

export interface RedisPubSubOptions {
  url: string;
  channel: string;
  target: EnvelopeTarget;
  logger: Logger;
}

export class RedisPubSubConsumer implements Consumer {
  readonly done: Promise<void>;
  #o: RedisPubSubOptions;
  #sub: Redis;
  #seq = 0;

  constructor(options: RedisPubSubOptions) {
    this.#o = options;
    this.#sub = new Redis(options.url, { lazyConnect: true });
    this.done = new Promise(() => {});
  }

  async start(): Promise<void> {
    await this.#sub.connect();
    await this.#sub.subscribe(this.#o.channel);
    this.#sub.on("message", (_channel: string, data: string) => {
      const message: InMessage = {
        topic: this.#o.channel,
        partition: 0,
        offset: String(this.#seq++),
        key: null,
        value: encoder.encode(data),
        headers: {},
        timestamp: String(Date.now()),
      };
      // At-most-once: nothing to acknowledge, and a full mailbox drops (logged), never blocks.
      const env = { message, ack: () => {}, nack: () => {} };
      if (!this.#o.target.offer(env)) this.#o.logger.warn("pub/sub message dropped: mailbox full");
    });
  }

  stop(): Promise<void> {
    return this.#sub.quit().then(() => {});
  }

  close(): Promise<void> {
    this.#sub.disconnect();
    return Promise.resolve();
  }
}

/** Dead letters for Redis inputs: XADD to `<stream>.dlq` with the reason and the original data. */
export class RedisDeadLetters implements DeadLetterQueue {
  #redis: Redis;
  constructor(url: string, private stream: string) {
    this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  }

  async send(items: DeadLetter[]): Promise<void> {
    const decoder = new TextDecoder();
    const pipe = this.#redis.pipeline();
    for (const { env: { message }, reason } of items) {
      pipe.xadd(
        `${this.stream}.dlq`,
        "*",
        "reason",
        reason,
        "source",
        message.topic,
        "source_id",
        message.offset,
        "data",
        message.value ? decoder.decode(message.value) : "",
      );
    }
    await execAll(pipe, "REDIS_DLQ_FAILED", "Dead-lettering to Redis failed");
  }

  close(): Promise<void> {
    return this.#redis.quit().then(() => {});
  }
}
