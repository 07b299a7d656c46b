/** Trend computation: keywords of a post, hopping windows on event time, trend detection. */
export * from "./keywords.ts";
export * from "./windows.ts";
export * from "./detect.ts";
