/**
 * The finance routes' answers as zod schemas (the sentiment role's analytics, the raw event
 * store, the ingest role's webhooks) and the log database's: what `/openapi.json` says of them
 * and what the route tests check their answers against. Rows are loose objects: the columns
 * named here are the ones clients rely on.
 */
import { z } from "zod";
import { AnalyzeResult } from "../schemas/mod.ts";
import { Num, Time } from "./_schemas.ts";

const Score = Num.nullable();

export const AnalyzeAnswer = z.object({ results: z.array(AnalyzeResult) });

export const AssetClassSentiment = z.object({
  minutes: z.number(),
  asset_classes: z.array(z.looseObject({ asset_class: z.string(), mean_score: Score })),
});
export const SourceSentiment = z.object({
  minutes: z.number(),
  sources: z.array(z.looseObject({
    source: z.string(),
    events: Num,
    duplicates: Num,
    mean_score: Score,
  })),
});
export const SentimentVolume = z.object({
  minutes: z.number(),
  points: z.array(z.looseObject({ minute: Time, key: z.string(), events: Num })),
});
export const AnalysedEvent = z.looseObject({
  event_id: z.string(),
  source: z.string(),
  symbols: z.array(z.string()),
  label: z.string().nullable(),
  score: Score,
});
export const SymbolSentiment = z.object({ symbol: z.string(), events: z.array(AnalysedEvent) });
export const FinanceAlerts = z.object({
  alerts: z.array(z.looseObject({
    symbol: z.string(),
    window_end: Time,
    direction: z.string(),
    mean_score: Num,
    events: Num,
    sources: z.array(z.string()),
  })),
});

export const RawEvent = z.looseObject({
  event_id: z.string(),
  received_at: Time,
  published_at: Time.nullable(),
  event: z.looseObject({ event_id: z.string(), source: z.string() }),
});
export const RawEventList = z.object({ items: z.array(RawEvent), limit: z.number() });

export const WebhookAccepted = z.object({
  request_id: z.string(),
  events: z.array(z.looseObject({ status: z.string() })),
});

export const LogLines = z.object({
  lines: z.array(z.looseObject({ ts: Time, level: z.string(), component: z.string() })),
});
export const LogErrors = z.object({
  errors: z.array(z.looseObject({ component: z.string(), code: z.string(), count: Num })),
});
