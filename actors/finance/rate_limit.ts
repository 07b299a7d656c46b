/**
 * Rate limits of the webhooks, per source and per client (rate-limiter-flexible): counted in
 * Redis when REDIS_URL is set, so every ingest process shares them, else in the process. When
 * Redis stops answering, an in-process limiter stands in (the library's insurance limiter), so
 * a Redis outage neither opens the gates nor stops ingestion.
 */
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimiterAbstract } from "rate-limiter-flexible";

export interface RateLimitOptions {
  /** Requests per window for one source, all clients together. */
  perSource: number;
  /** Requests per window for one client (address) of one source. */
  perClient: number;
  windowS: number;
  /** Redis key prefix; processes sharing it share the limits. */
  prefix: string;
  redisUrl?: string;
}

/** null when allowed, else the seconds to wait. */
export type RateVerdict = { retryAfterS: number } | null;

export interface RateLimits {
  check(source: string, client: string): Promise<RateVerdict>;
  close(): Promise<void>;
}

export function createRateLimits(o: RateLimitOptions): RateLimits {
  const redis = o.redisUrl
    ? new Redis(o.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    })
    : null;
  redis?.on("error", () => {}); // the insurance limiter answers meanwhile; commands report it
  const make = (points: number, name: string): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ points, duration: o.windowS, keyPrefix: name });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis,
      points,
      duration: o.windowS,
      keyPrefix: `${o.prefix}:${name}`,
      insuranceLimiter: memory,
      rejectIfRedisNotReady: true,
    });
  };
  const perSource = make(o.perSource, "source");
  const perClient = make(o.perClient, "client");
  const consume = async (limiter: RateLimiterAbstract, key: string): Promise<RateVerdict> => {
    try {
      await limiter.consume(key);
      return null;
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        return { retryAfterS: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      }
      throw res;
    }
  };
  return {
    async check(source, client) {
      return await consume(perClient, `${source}:${client}`) ?? await consume(perSource, source);
    },
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
