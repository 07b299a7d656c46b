/**
 * Trend routes (and the dashboard). `/trends` and the current state in `/trends/:keyword` come from the cache (no
 * PostgreSQL on that path). History, alerts and sentiment over time come from PostgreSQL once per
 * closed window: their answers are cached under the end of the latest closed window, so at rest
 * every route answers from the cache, and a newly closed window makes the next answer fresh.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { ApiDeps } from "./deps.ts";
import { invalid, json, route } from "./_openapi.ts";
import {
  AlertList,
  Choice,
  IntParam,
  KeywordTrend,
  SafeText,
  SentimentSeries,
  Timestamp,
  TrendList,
} from "./_schemas.ts";
import { dashboardRoutes } from "./dashboard.ts";

/** How long a cached answer lives at most (a closing window replaces it sooner). */
const ANSWER_TTL_MS = 10 * 60_000;

/** `load()`'s answer, cached until the next window closes (uncached before the first one). */
async function perWindow<T>(deps: ApiDeps, key: string, load: () => Promise<T>): Promise<T> {
  const top = await deps.trendCache.top();
  if (!top) return load();
  const k = `${top.windowEnd}:${key}`;
  const hit = await deps.trendCache.answer(k);
  if (hit !== null) return hit as T;
  const value = await load();
  await deps.trendCache.putAnswer(k, value, ANSWER_TTL_MS);
  return value;
}

/** The trends pipeline's sub-apps by mount point: its routes span four prefixes. */
export function trendRoutes(deps: ApiDeps): Record<string, OpenAPIHono> {
  const trends = new OpenAPIHono();
  const alerts = new OpenAPIHono();
  const sentiment = new OpenAPIHono();
  const tags = ["trends"];

  route(trends, {
    tags,
    method: "get",
    path: "/",
    summary: "The trending keywords of the latest closed window (from the cache)",
    request: { query: z.object({ limit: IntParam(10, 1, 100) }) },
    responses: { 200: json(TrendList, "the latest window's trends"), 400: invalid },
  }, async (c) => {
    const { limit } = c.req.valid("query");
    const top = await deps.trendCache.top();
    return c.json({
      windowStart: top ? new Date(top.windowStart).toISOString() : null,
      windowEnd: top ? new Date(top.windowEnd).toISOString() : null,
      trends: (top?.trends ?? []).slice(0, limit),
      // Slow organic growth: not alerts, listed apart.
      rising: (top?.rising ?? []).slice(0, limit),
    });
  });

  route(trends, {
    tags,
    method: "get",
    path: "/{keyword}",
    summary: "One keyword: its current trend and its window history",
    request: {
      params: z.object({
        keyword: SafeText(100).min(1, "must be 1 to 100 characters")
          .transform((k) => k.toLowerCase()).describe("1 to 100 characters, any case"),
      }),
      query: z.object({ limit: IntParam(30, 1, 500) }),
    },
    responses: { 200: json(KeywordTrend, "current state and history"), 400: invalid },
  }, async (c) => {
    const { keyword } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    const [current, history] = await Promise.all([
      deps.trendCache.keyword(keyword),
      perWindow(deps, `history:${limit}:${keyword}`, () => deps.trends.history(keyword, limit)),
    ]);
    return c.json({ keyword, trending: current !== null, current, history });
  });

  route(alerts, {
    tags,
    method: "get",
    path: "/",
    summary: "Trend alerts, newest first",
    request: {
      query: z.object({
        since: Timestamp.optional().describe("ISO 8601 date-time; default: all"),
        limit: IntParam(100, 1, 1_000),
      }),
    },
    responses: { 200: json(AlertList, "alerts since `since`"), 400: invalid },
  }, async (c) => {
    const q = c.req.valid("query");
    const since = q.since ?? new Date(0);
    const limit = q.limit;
    const alerts = await perWindow(
      deps,
      `alerts:${limit}:${since.getTime()}`,
      () => deps.trends.alerts(since, limit),
    );
    return c.json({ since: since.toISOString(), alerts });
  });

  route(sentiment, {
    tags,
    method: "get",
    path: "/",
    summary: "Volume and mean sentiment over time, oldest first",
    request: {
      query: z.object({
        source: SafeText(100).optional().describe("a keyword, or `all` (default): every post"),
        bucket: Choice(["window", "hour"], "default window"),
        limit: IntParam(60, 1, 1_000),
      }),
    },
    responses: { 200: json(SentimentSeries, "the series"), 400: invalid },
  }, async (c) => {
    const q = c.req.valid("query");
    const source = (q.source || "all").toLowerCase();
    const { bucket = "window", limit } = q;
    const rows = await perWindow(
      deps,
      `sentiment:${bucket}:${limit}:${source}`,
      () => deps.trends.sentiment(source === "all" ? "*" : source, bucket, limit),
    );
    return c.json({ source, bucket, points: [...rows].reverse() });
  });

  return {
    "/trends": trends,
    "/alerts": alerts,
    "/sentiment": sentiment,
    "/dashboard": dashboardRoutes(),
  };
}
