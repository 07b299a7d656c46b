/**
 * The finance pipeline's wire formats. `FinanceEvent` is the record the `ingest` role publishes
 * to `sentiment_analysis_topic` (key: the first symbol, else the source's id; header
 * `x-request-id`), and the `sentiment` role's input. Provider payload schemas (one per webhook
 * source) and the analysis outputs live below it.
 */
import { z } from "zod";
import { storable, wellFormed } from "./_storable.ts";

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
  event_id: storable(z.string().min(1).max(300)),
  source: FinanceSource,
  kind: FinanceEventKind,
  /** Normalised: upper case, no `$`, exchange suffixes kept (`RELIANCE.NS`), deduplicated. */
  symbols: z.array(storable(z.string().min(1).max(32))).max(50),
  /** The text to analyse (headline and body, tweet, post; null for ticks, bars and releases). */
  text: storable(z.string().max(100_000)).nullable(),
  /** When the provider says it happened (ISO 8601). */
  published_at: z.iso.datetime({ offset: true }),
  /** When the ingest role accepted it (ISO 8601). */
  received_at: z.iso.datetime({ offset: true }),
  /** The request that brought it, for following one event end to end. */
  request_id: storable(z.string().max(200)),
  /** The provider's payload after validation and sanitising. */
  payload: z.record(z.string(), z.unknown()),
});
export type FinanceEvent = z.infer<typeof FinanceEvent>;

// ---- Provider payloads: what each webhook source sends (one event, or an array of them). ----

/** A symbol as providers write it (`$AAPL`, `reliance.ns`); normalised by the ingest role. */
const RawSymbol = storable(z.string().trim().min(1).max(32));
const Price = z.number().finite().nonnegative().max(1e12);
const Volume = z.number().int().nonnegative().max(1e15);
const Time = z.iso.datetime({ offset: true });
/**
 * Free text as sent; HTML and control characters (NUL too) are removed by the ingest role, but
 * an unpaired surrogate cannot be stored unaltered: refused.
 */
const Text = (max: number) => wellFormed(z.string().max(max));

/** TrueData: a trade tick or an OHLCV bar of one instrument. */
export const TrueDataTick = z.object({
  type: z.literal("tick"),
  symbol: RawSymbol,
  symbol_id: z.number().int().nonnegative().optional(),
  timestamp: Time,
  ltp: Price,
  ltq: Volume.optional(),
  volume: Volume,
  bid: Price.optional(),
  ask: Price.optional(),
  oi: Volume.optional(),
  seq: z.number().int().nonnegative().optional(),
}).strict();
export type TrueDataTick = z.infer<typeof TrueDataTick>;

export const TrueDataBar = z.object({
  type: z.literal("bar"),
  symbol: RawSymbol,
  interval: z.enum(["1min", "5min", "15min", "60min", "eod"]),
  timestamp: Time,
  open: Price,
  high: Price,
  low: Price,
  close: Price,
  volume: Volume,
  oi: Volume.optional(),
}).strict();
export type TrueDataBar = z.infer<typeof TrueDataBar>;

export const TrueDataEvent = z.discriminatedUnion("type", [TrueDataTick, TrueDataBar]);
export type TrueDataEvent = z.infer<typeof TrueDataEvent>;

/** A news article. `id` is the provider's; without one the event id is a content hash. */
export const NewsArticle = z.object({
  id: z.string().min(1).max(200).optional(),
  headline: Text(1_000).min(1),
  body: Text(50_000).default(""),
  source: z.string().trim().min(1).max(200),
  url: z.url({ protocol: /^https?$/ }).max(2_000),
  symbols: z.array(RawSymbol).max(50).default([]),
  published_at: Time,
}).strict();
export type NewsArticle = z.infer<typeof NewsArticle>;

/** A tweet, in the shape of the X API v2 `data` object. */
export const Tweet = z.object({
  id: z.string().regex(/^\d{1,25}$/, "must be a numeric tweet id"),
  text: Text(4_000).min(1),
  author_id: z.string().regex(/^\d{1,25}$/, "must be a numeric user id"),
  username: z.string().max(50).optional(),
  created_at: Time,
  lang: z.string().max(10).optional(),
  entities: z.object({
    cashtags: z.array(z.object({ tag: RawSymbol })).max(50).optional(),
  }).optional(),
  public_metrics: z.object({
    like_count: Volume,
    retweet_count: Volume,
    reply_count: Volume,
  }).partial().optional(),
}).strict();
export type Tweet = z.infer<typeof Tweet>;

/** A Reddit thing: a post (`t3`) or a comment (`t1`), as the Reddit API wraps them. */
export const RedditThing = z.object({
  kind: z.enum(["t3", "t1"]),
  data: z.object({
    id: z.string().regex(/^[a-z0-9]{1,16}$/, "must be a base-36 Reddit id"),
    subreddit: z.string().min(1).max(50),
    author: z.string().min(1).max(50),
    title: Text(1_000).optional(),
    selftext: Text(40_000).optional(),
    body: Text(20_000).optional(),
    created_utc: z.number().int().positive().max(1e11),
    permalink: z.string().max(1_000).optional(),
    score: z.number().int().optional(),
    link_id: z.string().max(30).optional(),
  }),
}).refine((t) => (t.kind === "t3" ? t.data.title !== undefined : t.data.body !== undefined), {
  message: "a post (t3) needs data.title, a comment (t1) data.body",
  path: ["data"],
});
export type RedditThing = z.infer<typeof RedditThing>;

/** An economic data release (CPI, GDP, a policy rate...). */
export const EconomicRelease = z.object({
  id: z.string().min(1).max(200).optional(),
  indicator: z.string().trim().min(1).max(200),
  /** ISO 3166-1 alpha-2, or `EU`. */
  country: z.string().regex(/^[A-Za-z]{2}$/, "must be a two-letter country code"),
  actual: z.number().finite().nullable(),
  forecast: z.number().finite().nullable().optional(),
  previous: z.number().finite().nullable().optional(),
  unit: z.string().max(20).optional(),
  period: z.string().max(30).optional(),
  importance: z.enum(["low", "medium", "high"]).optional(),
  released_at: Time,
}).strict();
export type EconomicRelease = z.infer<typeof EconomicRelease>;

/** The payload schema of each source. */
export const ProviderPayload = {
  truedata: TrueDataEvent,
  news: NewsArticle,
  twitter: Tweet,
  reddit: RedditThing,
  economic: EconomicRelease,
} as const;

/** One event's outcome in a webhook's 202 answer. */
export const IngestStatus = z.enum(["accepted", "duplicate"]);
export type IngestStatus = z.infer<typeof IngestStatus>;

export const WebhookAnswer = z.object({
  request_id: z.string(),
  events: z.array(z.object({ event_id: z.string(), status: IngestStatus })),
});
export type WebhookAnswer = z.infer<typeof WebhookAnswer>;
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
