/**
 * Trend-route latency at rest: the API served over HTTP on loopback with the Redis trend cache
 * holding a ranking of 10 trends, BENCH_REQUESTS (default 5,000) sequential requests to each of
 * GET /trends, /trends/:keyword, /alerts and /sentiment after a warm-up; p50 and p99 of the round
 * trip per route. The warm-up fills the per-window answer cache; the store behind it counts its
 * reads, so the run proves that at rest no route touches PostgreSQL.
 */
import { Redis } from "ioredis";
import { setLogLevel } from "../lib/log.ts";
import { createApp } from "../routes/mod.ts";
import { RedisTrendCache } from "../actors/trends/cache.ts";
import type { ApiDeps } from "../routes/mod.ts";
import { REDIS_URL } from "../tests/helpers/mod.ts";

const N = Number(Deno.env.get("BENCH_REQUESTS") ?? 5_000);

export async function trendRouteBench(out: (line: string) => void) {
  setLogLevel("silent");
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:${crypto.randomUUID()}`;
  const cache = new RedisTrendCache(redis, prefix);
  const now = Date.now();
  await cache.put({
    windowStart: now - 600_000,
    windowEnd: now,
    trends: Array.from({ length: 10 }, (_, i) => ({
      keyword: `#trend${i}`,
      windowStart: now - 600_000,
      windowEnd: now,
      count: 100 - i,
      uniqueAuthors: 50 - i,
      zScore: 10 - i / 2,
      velocity: 20 - i,
      rank: i + 1,
      sentimentMean: 0.1,
      sampleUris: ["at://did:plc:x/app.bsky.feed.post/1"],
    })),
  }, 600_000);
  // Fixed answers for the PostgreSQL-backed routes; every read is counted.
  let storeReads = 0;
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      window_start: new Date(now - (i + 10) * 60_000),
      window_end: new Date(now - i * 60_000),
      bucket: new Date(now - i * 60_000),
      keyword: `#trend${i % 10}`,
      count: 100 - i,
      posts: 100 - i,
      unique_authors: 50,
      sentiment_mean: 0.1,
    }));
  const trends = {
    history: () => (storeReads++, Promise.resolve(rows(30))),
    alerts: () => (storeReads++, Promise.resolve(rows(20))),
    sentiment: () => (storeReads++, Promise.resolve(rows(60))),
  };
  const app = createApp({ trendCache: cache, trends } as unknown as ApiDeps);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  const paths = [
    "/trends?limit=10",
    `/trends/${encodeURIComponent("#trend0")}`,
    "/alerts",
    "/sentiment?source=all&bucket=window",
  ];
  try {
    for (let i = 0; i < 200; i++) {
      for (const p of paths) await (await fetch(base + p)).arrayBuffer();
    }
    const warmReads = storeReads;
    out(`trends: ${N} requests to each of ${paths.join(", ")} from the Redis cache...`);
    const routes: Record<string, { p50Ms: number; p99Ms: number }> = {};
    for (const p of paths) {
      const times: number[] = [];
      for (let i = 0; i < N; i++) {
        const t = performance.now();
        const res = await fetch(base + p);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}`);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const q = (x: number) => times[Math.min(times.length - 1, Math.floor(x * times.length))];
      routes[p.split("?")[0].replace(/%23trend0$/, ":keyword")] = { p50Ms: q(0.5), p99Ms: q(0.99) };
    }
    if (storeReads !== warmReads) throw new Error("a trend route read PostgreSQL at rest");
    const worst = Object.values(routes).reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a));
    return { requests: N, routes, p50Ms: routes["/trends"].p50Ms, p99Ms: worst.p99Ms, storeReads };
  } finally {
    await server.shutdown();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}

if (import.meta.main) {
  const r = await trendRouteBench(console.log);
  for (const [route, x] of Object.entries(r.routes)) {
    console.log(`GET ${route}: p50 ${x.p50Ms.toFixed(2)} ms, p99 ${x.p99Ms.toFixed(2)} ms`);
  }
}
