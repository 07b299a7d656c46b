/**
 * The finance pipeline's wire formats. `FinanceEvent` is the record the `ingest` role publishes
 * to `sentiment_analysis_topic` (key: the first symbol, else the source's id; header
 * `x-request-id`), and the `sentiment` role's input. Provider payload schemas (one per webhook
 * source) and the analysis outputs live below it.
 */
import { z } from "zod";

/** The webhook sources, one route each: `POST /webhooks/<source>`. */
export const FinanceSource = z.enum(["truedata", "news", "twitter", "reddit", "economic"]);
export type FinanceSource = z.infer<typeof FinanceSource>;

/** What one provider event is. */
export const FinanceEventKind = z.enum([
  "tick",
  "bar",
  "article",
  "tweet",
  "post",
  "comment",
  "release",
]);
export type FinanceEventKind = z.infer<typeof FinanceEventKind>;

/** One accepted provider event, as stored raw and published to Kafka. */
export const FinanceEvent = z.object({
  /**
   * Deterministic: `<source>:<provider id>`, or `<source>:sha256:<hex of the canonical payload>`
   * when the provider sends no id. The same delivery twice has the same id; downstream writes are
   * idempotent by it.
   */
  event_id: z.string().min(1).max(300),
  source: FinanceSource,
  kind: FinanceEventKind,
  /** Normalised: upper case, no `$`, exchange suffixes kept (`RELIANCE.NS`), deduplicated. */
  symbols: z.array(z.string().min(1).max(32)).max(50),
  /** The text to analyse (headline and body, tweet, post; null for ticks, bars and releases). */
  text: z.string().max(100_000).nullable(),
  /** When the provider says it happened (ISO 8601). */
  published_at: z.iso.datetime({ offset: true }),
  /** When the ingest role accepted it (ISO 8601). */
  received_at: z.iso.datetime({ offset: true }),
  /** The request that brought it, for following one event end to end. */
  request_id: z.string().max(200),
  /** The provider's payload after validation and sanitising. */
  payload: z.record(z.string(), z.unknown()),
});
export type FinanceEvent = z.infer<typeof FinanceEvent>;

// ---- The sentiment role's outputs and the on-demand analysis (issue 13) ----

export const FinanceSentiment = z.enum(["positive", "negative", "neutral"]);
export const FinanceAssetClass = z.enum([
  "equity",
  "crypto",
  "forex",
  "commodity",
  "macro",
  "none",
]);

/** Whether the near-duplicate index was consulted: Redis away → `unchecked`. */
export const DupCheck = z.enum(["original", "duplicate", "unchecked"]);
export type DupCheck = z.infer<typeof DupCheck>;

/** Entities found in a text. */
export const FinanceEntities = z.object({
  people: z.array(z.string()),
  organisations: z.array(z.string()),
  places: z.array(z.string()),
  tickers: z.array(z.string()),
  hashtags: z.array(z.string()),
});

/** One row of `sentiment_results` (the columns Grafana panels query keep these names). */
export const SentimentResult = z.object({
  event_id: z.string(),
  source: FinanceSource,
  kind: FinanceEventKind,
  symbols: z.array(z.string()),
  asset_class: FinanceAssetClass,
  /** null for a near-duplicate (not classified again: see its original). */
  label: FinanceSentiment.nullable(),
  score: z.number().min(-1).max(1).nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  entities: FinanceEntities,
  model: z.string().nullable(),
  duplicate_of: z.string().nullable(),
  dup_check: DupCheck,
  similarity: z.number().nullable(),
  text: z.string().nullable(),
  published_at: z.iso.datetime({ offset: true }),
  processed_at: z.iso.datetime({ offset: true }),
});
export type SentimentResult = z.infer<typeof SentimentResult>;

/** Texts per `POST /analyze` at most. */
export const ANALYZE_MAX_TEXTS = 100;

/** `POST /analyze` body. */
export const AnalyzeRequest = z.object({
  texts: z.array(z.string().min(1).max(10_000)).min(1).max(ANALYZE_MAX_TEXTS),
});
export type AnalyzeRequest = z.infer<typeof AnalyzeRequest>;

/** One answer of `POST /analyze`, in the order of the texts. */
export const AnalyzeResult = z.object({
  sentiment: FinanceSentiment,
  score: z.number().min(-1).max(1),
  confidence: z.number().min(0).max(1),
  entities: FinanceEntities,
  asset_class: FinanceAssetClass,
  model: z.string(),
});
export type AnalyzeResult = z.infer<typeof AnalyzeResult>;

/** One minute of one symbol on `aggregation_topic` (key `<symbol>|<minute>`; the latest wins). */
export const SymbolAggregate = z.object({
  symbol: z.string(),
  asset_class: FinanceAssetClass,
  minute: z.iso.datetime({ offset: true }),
  events: z.number().int(),
  classified: z.number().int(),
  duplicates: z.number().int(),
  mean_score: z.number().nullable(),
  positive: z.number().int(),
  negative: z.number().int(),
  neutral: z.number().int(),
  sources: z.array(z.string()),
});
export type SymbolAggregate = z.infer<typeof SymbolAggregate>;

/** A record on `alert_topic`: a symbol's sentiment beyond the threshold, or a system problem. */
export const FinanceAlert = z.object({
  kind: z.enum(["sentiment", "system"]),
  /** The symbol, or the check (`consumer_lag`, `error_rate`, `model_latency`, `model_down`). */
  subject: z.string(),
  severity: z.enum(["warning", "critical"]),
  message: z.string(),
  value: z.number(),
  threshold: z.number(),
  at: z.iso.datetime({ offset: true }),
  details: z.record(z.string(), z.unknown()),
});
export type FinanceAlert = z.infer<typeof FinanceAlert>;
