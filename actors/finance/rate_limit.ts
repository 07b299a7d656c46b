/**
 * Rate limits of the webhooks, per source and per client (rate-limiter-flexible): counted in
 * Redis when REDIS_URL is set, so every ingest process shares them, else in the process. When
 * Redis stops answering, an in-process limiter stands in (the library's insurance limiter), so
 * a Redis outage neither opens the gates nor stops ingestion.
 *
 * With Redis, each process leases points `leaseShare` of a limit at a time (`_leased.ts`): one
 * Redis round trip per lease instead of two per request; the shared limit is never exceeded, and
 * at most a lease per process and key goes unused at a window's end.
 */
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { LeasedLimiter } from "./_leased.ts";
import type { RateVerdict } from "./_leased.ts";

export type { RateVerdict } from "./_leased.ts";

export interface RateLimitOptions {
  /** Requests per window for one source, all clients together. */
  perSource: number;
  /** Requests per window for one client (address) of one source. */
  perClient: number;
  windowS: number;
  /** Redis key prefix; processes sharing it share the limits. */
  prefix: string;
  redisUrl?: string;
  /** Share of a limit a process takes from Redis at once (at least 1 point). Default 0.01. */
  leaseShare?: number;
}

export interface RateLimits {
  check(source: string, client: string): Promise<RateVerdict>;
  close(): Promise<void>;
}

/** How long start-up waits for Redis before the in-process limiter stands in. */
const READY_WAIT_MS = 2_000;

/**
 * The limits of one process. With Redis, resolves once connected (or after 2 s): until then the
 * in-process stand-in would count the first requests apart from the other processes.
 */
export async function createRateLimits(o: RateLimitOptions): Promise<RateLimits> {
  const redis = o.redisUrl
    ? new Redis(o.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    })
    : null;
  redis?.on("error", () => {}); // the insurance limiter answers meanwhile; commands report it
  if (redis && redis.status !== "ready") {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READY_WAIT_MS);
      redis.once("ready", resolve);
    });
    clearTimeout(timer);
  }
  const share = o.leaseShare ?? 0.01;
  const make = (points: number, name: string): LeasedLimiter => {
    const memory = new RateLimiterMemory({ points, duration: o.windowS, keyPrefix: name });
    if (!redis) return new LeasedLimiter(memory, 1);
    const shared = new RateLimiterRedis({
      storeClient: redis,
      points,
      duration: o.windowS,
      keyPrefix: `${o.prefix}:${name}`,
      insuranceLimiter: memory,
      rejectIfRedisNotReady: true,
    });
    return new LeasedLimiter(shared, Math.max(1, Math.floor(points * share)));
  };
  const perSource = make(o.perSource, "source");
  const perClient = make(o.perClient, "client");
  return {
    async check(source, client) {
      return await perClient.consume(`${source}:${client}`) ?? await perSource.consume(source);
    },
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
