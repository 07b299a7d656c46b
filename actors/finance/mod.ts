/**
 * The finance pipeline (seed 001).
 *
 * Part 1: provider webhooks → the raw store (outbox) → `sentiment_analysis_topic`. Role `ingest`
 * (`role.ts`: the webhook server, `ingester.ts`, `relay.ts`, `raw_store.ts`, `rate_limit.ts`,
 * `signature.ts`, `normalize.ts`) and role `market-feed` (`feed.ts`).
 *
 * Part 2: role `sentiment` (`sentiment_role.ts`): FinanceEvents on `sentiment_analysis_topic` →
 * near-duplicate check (`near_dup.ts`, MinHash LSH in Redis) → classification (`analyze.ts`,
 * backends in `actors/nlp/`) → `sentiment_results` and its views (`analytics_store.ts`).
 */
export { ingestRole, ingestSecrets, marketFeedRole, openIngest } from "./role.ts";
export type { IngestOverrides } from "./role.ts";
export * from "./ingester.ts";
export * from "./normalize.ts";
export * from "./raw_store.ts";
export * from "./relay.ts";
export * from "./signature.ts";
export * from "./feed.ts";
export { providerPayload } from "./feed_payloads.ts";
export { createRateLimits } from "./rate_limit.ts";
export type { RateLimits, RateVerdict } from "./rate_limit.ts";
export { financeAnalyzer, sentimentRole } from "./sentiment_role.ts";
export { analyticsDb } from "./analytics_db.ts";
export { AnalyticsStore } from "./analytics_store.ts";
export { AlertStore } from "./alert_store.ts";
export type { SentimentRow } from "./analytics_store.ts";
export { FinanceAnalyzer } from "./analyze.ts";
export type { AnalyzeInput, Backend } from "./analyze.ts";
export { NearDupIndex } from "./near_dup.ts";
export { createSentimentWorker } from "./sentiment_worker.ts";
