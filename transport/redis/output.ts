/**
 * What Sluice writes to Redis: the output (`RedisOutput`, `xaddTrimmed`: XADD with an
 * approximate `MAXLEN ~ n` trim to a stream and/or PUBLISH to a channel, confirmed per batch) and
 * the Redis inputs' dead letters (`RedisDeadLetters`: XADD to `<stream>.dlq` with the reason and
 * the original data).
 */
import { Redis } from "ioredis";
import type { ChainableCommander } from "ioredis";
import { UpstreamError } from "../../lib/errors.ts";
import { countDeadLetters } from "../../lib/metrics.ts";
import type { DeadLetter, DeadLetterQueue } from "../types.ts";

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
    countDeadLetters(this.stream, items.map((i) => i.reason));
  }

  close(): Promise<void> {
    return this.#redis.quit().then(() => {});
  }
}
