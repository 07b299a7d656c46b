/** Shared plumbing: errors, structured logs, configuration, retry with backoff and deadlines. */
export * from "./errors.ts";
export * from "./log.ts";
export * from "./config.ts";
export * from "./retry.ts";
export * from "./metrics.ts";
export * from "./ops_metrics.ts";
export * from "./health.ts";
export * from "./deadline.ts";
