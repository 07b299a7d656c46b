/**
 * The finance pipeline (seed 001). Role `sentiment` (`sentiment_role.ts`): FinanceEvents on
 * `sentiment_analysis_topic` → near-duplicate check (`near_dup.ts`, MinHash LSH in Redis) →
 * classification (`analyze.ts`, backends in `actors/nlp/`) → `sentiment_results` and its views
 * (`analytics_store.ts`).
 */
export { analyticsDb, financeAnalyzer, sentimentRole } from "./sentiment_role.ts";
export { AnalyticsStore } from "./analytics_store.ts";
export { AlertStore } from "./alert_store.ts";
export type { SentimentRow } from "./analytics_store.ts";
export { FinanceAnalyzer } from "./analyze.ts";
export type { AnalyzeInput, Backend } from "./analyze.ts";
export { NearDupIndex } from "./near_dup.ts";
export { createSentimentWorker } from "./sentiment_worker.ts";
