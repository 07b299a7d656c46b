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
