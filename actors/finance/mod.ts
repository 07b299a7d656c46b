/**
 * The finance pipeline, part 1: provider webhooks → the raw store (outbox) → `sentiment_analysis_topic`.
 * Role `ingest` (`role.ts`: the webhook server, `ingester.ts`, `relay.ts`, `raw_store.ts`,
 * `rate_limit.ts`, `signature.ts`, `normalize.ts`) and role `market-feed` (`feed.ts`).
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
