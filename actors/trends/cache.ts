/**
 * The cache of current trends (Redis, or memory for a single-process setup) whose entries expire
 * when a trend stops being refreshed, so the trend routes answer without PostgreSQL.
 */
import { Redis } from "ioredis";
import type { Trend } from "./detect.ts";
import type { Runtime } from "../resources.ts";

export interface TopTrends {
  windowStart: number;
  windowEnd: number;
  trends: Trend[];
  /** Keywords growing slowly (at least 1.5 times their slow baseline), never alerted. */
  rising?: Trend[];
}

/** Current trends for the API, so it answers without touching PostgreSQL. */
export interface TrendCache {
  put(top: TopTrends, ttlMs: number): Promise<void>;
  top(): Promise<TopTrends | null>;
  keyword(keyword: string): Promise<Trend | null>;
  /** A route's answer stored under `key` (the API builds keys that name the window they reflect). */
  answer(key: string): Promise<unknown | null>;
  putAnswer(key: string, value: unknown, ttlMs: number): Promise<void>;
}

export class RedisTrendCache implements TrendCache {
  constructor(private redis: Redis, private prefix = "sluice:trends") {}

  async put(top: TopTrends, ttlMs: number): Promise<void> {
    const pipe = this.redis.pipeline();
    pipe.set(`${this.prefix}:top`, JSON.stringify(top), "PX", ttlMs);
    for (const t of top.trends) {
      pipe.set(`${this.prefix}:kw:${t.keyword}`, JSON.stringify(t), "PX", ttlMs);
    }
    await pipe.exec();
  }

  async top(): Promise<TopTrends | null> {
    const v = await this.redis.get(`${this.prefix}:top`);
    return v ? JSON.parse(v) : null;
  }

  async keyword(keyword: string): Promise<Trend | null> {
    const v = await this.redis.get(`${this.prefix}:kw:${keyword}`);
    return v ? JSON.parse(v) : null;
  }

  async answer(key: string): Promise<unknown | null> {
    const v = await this.redis.get(`${this.prefix}:answer:${key}`);
    return v ? JSON.parse(v) : null;
  }

  async putAnswer(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}:answer:${key}`, JSON.stringify(value), "PX", ttlMs);
  }
}

export class MemoryTrendCache implements TrendCache {
  #top: { v: TopTrends; until: number } | null = null;
  #kw = new Map<string, { v: Trend; until: number }>();

  put(top: TopTrends, ttlMs: number): Promise<void> {
    const until = Date.now() + ttlMs;
    this.#top = { v: top, until };
    for (const t of top.trends) this.#kw.set(t.keyword, { v: t, until });
    return Promise.resolve();
  }

  top(): Promise<TopTrends | null> {
    return Promise.resolve(this.#top && this.#top.until > Date.now() ? this.#top.v : null);
  }

  keyword(keyword: string): Promise<Trend | null> {
    const e = this.#kw.get(keyword);
    return Promise.resolve(e && e.until > Date.now() ? e.v : null);
  }

  #answers = new Map<string, { v: unknown; until: number }>();

  answer(key: string): Promise<unknown | null> {
    const e = this.#answers.get(key);
    return Promise.resolve(e && e.until > Date.now() ? e.v : null);
  }

  putAnswer(key: string, value: unknown, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const [k, e] of this.#answers) if (e.until <= now) this.#answers.delete(k);
    this.#answers.set(key, { v: value, until: now + ttlMs });
    return Promise.resolve();
  }
}

/** One cache shared by the aggregator and the API of a single process without Redis. */
export const processTrendCache = new MemoryTrendCache();

/** The trend cache of a process: Redis when `redisUrl` is set, else the process's memory. */
export function openTrendCache(
  redisUrl: string | undefined,
  prefix: string,
): { cache: TrendCache; close: () => Promise<void> } {
  if (!redisUrl) return { cache: processTrendCache, close: () => Promise.resolve() };
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  return {
    cache: new RedisTrendCache(redis, prefix),
    close: () => redis.quit().then(() => {}),
  };
}

/** The trend cache of this process (the aggregator's and the API's): its REDIS_URL and prefix. */
export function trendCache(rt: Runtime): { cache: TrendCache; close: () => Promise<void> } {
  return openTrendCache(rt.config.REDIS_URL, rt.config.TREND_CACHE_PREFIX);
}
