/**
 * The sentiment role's routes: `POST /analyze` (on-demand analysis, seed 001's sentiment
 * service; a write route as far as keys go: it spends the classifier) and the analytics under
 * `/finance` read from `sentiment_results` and its materialized views. Mounted at `/` (see
 * `routes/mod.ts`); absent when the process has no analytics wiring.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ValidationError } from "../lib/errors.ts";
import { describeIssue } from "../schemas/mod.ts";
import { AnalyzeRequest } from "../schemas/finance.ts";
import type { FinanceApi } from "./deps.ts";
import { readJson } from "./_http.ts";
import type { ApiAuth } from "./_auth.ts";
import { requireJson, requireScope, security } from "./_auth.ts";
import { invalid, json, route, text } from "./_openapi.ts";
import { Choice, ErrorBody, IntParam, SafeText, Text } from "./_schemas.ts";
import {
  AnalysedEvent,
  AnalyzeAnswer,
  AssetClassSentiment,
  FinanceAlerts,
  SentimentVolume,
  SourceSentiment,
  SymbolSentiment,
} from "./_finance_schemas.ts";
import { FINANCE_DASHBOARD } from "./finance_dashboard.ts";

const tags = ["finance"];
const Minutes = z.object({ minutes: IntParam(60, 0, 7 * 24 * 60) });

export function financeAnalyticsRoutes(api: FinanceApi, auth: ApiAuth): OpenAPIHono {
  const app = new OpenAPIHono();

  route(app, {
    tags,
    method: "post",
    path: "/analyze",
    summary: "Analyse texts now (finance-aware sentiment, entities, asset class)",
    security: security("write"),
    middleware: [requireScope(auth, "write"), requireJson()],
    request: {
      query: z.object({
        backend: Choice(["local", "ollama"], "the classifier; default: the configured one"),
      }),
      body: { content: { "application/json": { schema: AnalyzeRequest } }, required: true },
    },
    responses: {
      200: json(AnalyzeAnswer, "one result per text, in order"),
      400: invalid,
      413: json(ErrorBody, "the body is over API_MAX_BODY_BYTES"),
      415: json(ErrorBody, "the body is not application/json"),
    },
  }, async (c) => {
    const backend = c.req.valid("query").backend ?? api.analyzer.defaultBackend;
    const parsed = AnalyzeRequest.safeParse(await readJson(c.req.raw));
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw new ValidationError(message, { field });
    }
    const inputs = parsed.data.texts.map((text, i) => ({ id: `analyze:${i}`, text }));
    const results = await api.analyzer.analyze(inputs, backend, c.req.raw.signal);
    return c.json({ results });
  });

  /** A read over the last `minutes`, answered as `{ minutes, [key]: rows }`. */
  const overMinutes = (
    path: string,
    summary: string,
    answer: z.ZodType,
    described: string,
    key: string,
    read: (minutes: number) => Promise<unknown[]>,
  ) =>
    route(app, {
      tags,
      method: "get",
      path,
      summary,
      request: { query: Minutes },
      responses: { 200: json(answer, described), 400: invalid },
    }, async (c) => {
      const { minutes } = c.req.valid("query");
      return c.json({ minutes, [key]: await read(minutes) });
    });
  overMinutes(
    "/finance/sentiment/asset-classes",
    "Mean sentiment by asset class over the last `minutes`",
    AssetClassSentiment,
    "one row per asset class",
    "asset_classes",
    (m) => api.store.byAssetClass(m),
  );
  overMinutes(
    "/finance/sentiment/sources",
    "Events, near-duplicates and mean sentiment by source over the last `minutes`",
    SourceSentiment,
    "one row per source",
    "sources",
    (m) => api.store.bySource(m),
  );
  overMinutes(
    "/finance/sentiment/volume",
    "Events per source per minute over the last `minutes`",
    SentimentVolume,
    "one point per source and minute",
    "points",
    (m) => api.store.volumeBySource(m),
  );

  route(app, {
    tags,
    method: "get",
    path: "/finance/sentiment/symbols/{symbol}",
    summary: "The latest analysed events naming a symbol",
    request: {
      params: z.object({
        symbol: z.string().transform((s) => s.toUpperCase().replace(/^\$/, "")).pipe(
          z.string().regex(/^[A-Z0-9.\-]{1,32}$/, "must be 1 to 32 letters, digits, . or -"),
        ).describe("a ticker such as AAPL or RELIANCE.NS (`$` and case ignored)"),
      }),
      query: z.object({ limit: IntParam(50, 0, 500) }),
    },
    responses: { 200: json(SymbolSentiment, "newest first"), 400: invalid },
  }, async (c) => {
    const { symbol } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    return c.json({ symbol, events: await api.store.bySymbol(symbol, limit) });
  });

  route(app, {
    tags,
    method: "get",
    path: "/finance/alerts",
    summary: "Sentiment alerts by symbol, newest first",
    request: { query: z.object({ limit: IntParam(50, 0, 1_000) }) },
    responses: { 200: json(FinanceAlerts, "the latest alerts"), 400: invalid },
  }, async (c) => {
    const { limit } = c.req.valid("query");
    return c.json({ alerts: await api.alerts.recent(limit) });
  });

  route(app, {
    tags,
    method: "get",
    path: "/finance/dashboard",
    summary: "The live finance sentiment dashboard (HTML)",
    responses: { 200: text("text/html", Text, "the page") },
  }, (c) => c.html(FINANCE_DASHBOARD));

  route(app, {
    tags,
    method: "get",
    path: "/finance/events/{id}",
    summary: "One analysed event",
    request: { params: z.object({ id: SafeText(300).describe("the event id") }) },
    responses: {
      200: json(AnalysedEvent, "its row in sentiment_results"),
      400: invalid,
      404: json(ErrorBody, "not analysed (yet)"),
    },
  }, async (c) => {
    const { id } = c.req.valid("param");
    const row = await api.store.event(id);
    if (!row) return c.json({ error: `no analysed event ${id}`, field: "id" }, 404);
    return c.json(row);
  });

  return app;
}
