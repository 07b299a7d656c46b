/**
 * Trends: `posts-classified` → the aggregator (keywords of a post, hopping windows on event
 * time, trend detection) → windows, alerts, cache and data lake.
 */
export { aggregatorRole } from "./role.ts";
export { trendCache } from "./cache.ts";
export * from "./keywords.ts";
export * from "./windows.ts";
export * from "./detect.ts";
export * from "./merge.ts";
export * from "./route.ts";
export * from "./aggregator.ts";
export * from "./store.ts";
export * from "./cache.ts";
export * from "./lake.ts";
