/**
 * The Redis stream input (`RedisStreamConsumer`): a consumer group read with XREADGROUP; an
 * entry is XACKed only after its envelope is acked (the write is stored). Entries left pending by
 * a consumer that died are reclaimed with XAUTOCLAIM once idle for `claimIdleMs`, following its
 * cursor through the whole pending list. At-least-once. A member leaves the group on graceful
 * stop when nothing is pending on it, and on start prunes members that have nothing pending and
 * have been idle longer than `claimIdleMs`, so restarts do not pile up dead members.
 */
import { Redis } from "ioredis";
import { UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { delay } from "../../lib/retry.ts";
import { deliverBatch } from "../_batch.ts";
import type { Consumer, EnvelopeTarget, InMessage } from "../types.ts";

const encoder = new TextEncoder();
type Entry = [id: string, fields: string[]];

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
