/**
 * Trend routes (and the dashboard). `/trends` and the current state in `/trends/:keyword` come from the cache (no
 * PostgreSQL on that path). History, alerts and sentiment over time come from PostgreSQL once per
 * closed window: their answers are cached under the end of the latest closed window, so at rest
 * every route answers from the cache, and a newly closed window makes the next answer fresh.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ValidationError } from "../lib/errors.ts";
import type { ApiDeps } from "./deps.ts";
import { intParam } from "./_http.ts";
import { invalid, json, route } from "./_openapi.ts";
import { AlertList, KeywordTrend, SentimentSeries, TrendList } from "./_schemas.ts";
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

const limit = (def: number, max: number) =>
  z.string().optional().describe(`1 to ${max}, default ${def}`);

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
    request: { query: z.object({ limit: limit(10, 100) }) },
    responses: { 200: json(TrendList, "the latest window's trends"), 400: invalid },
  }, async (c) => {
    const limit = intParam(c.req.query("limit"), "limit", 10, 100);
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
      params: z.object({ keyword: z.string().describe("1 to 100 characters, any case") }),
      query: z.object({ limit: limit(30, 500) }),
    },
    responses: { 200: json(KeywordTrend, "current state and history"), 400: invalid },
  }, async (c) => {
    const keyword = decodeURIComponent(c.req.param("keyword") ?? "").toLowerCase();
    if (!keyword || keyword.length > 100) {
      throw new ValidationError("keyword: must be 1 to 100 characters", { field: "keyword" });
    }
    const limit = intParam(c.req.query("limit"), "limit", 30, 500);
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
        since: z.string().optional().describe("ISO date-time; default: all"),
        limit: limit(100, 1_000),
      }),
    },
    responses: { 200: json(AlertList, "alerts since `since`"), 400: invalid },
  }, async (c) => {
    const raw = c.req.query("since");
    const since = raw ? new Date(raw) : new Date(0);
    if (Number.isNaN(since.getTime())) {
      throw new ValidationError("since: must be an ISO date-time", { field: "since" });
    }
    const limit = intParam(c.req.query("limit"), "limit", 100, 1_000);
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
        source: z.string().optional().describe("a keyword, or `all` (default): every post"),
        bucket: z.enum(["window", "hour"]).optional().describe("default window"),
        limit: limit(60, 1_000),
      }),
    },
    responses: { 200: json(SentimentSeries, "the series"), 400: invalid },
  }, async (c) => {
    const source = (c.req.query("source") || "all").toLowerCase();
    const bucket = c.req.query("bucket") || "window";
    if (bucket !== "window" && bucket !== "hour") {
      throw new ValidationError("bucket: must be window or hour", { field: "bucket" });
    }
    const limit = intParam(c.req.query("limit"), "limit", 60, 1_000);
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
