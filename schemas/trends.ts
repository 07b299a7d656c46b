/**
 * The trends pipeline's wire formats: a `Trend` as the cache and `GET /trends` answer it, and a
 * `TrendAlert` as published to `trend-alerts` (key `keyword|window_end`) and stored in
 * `trend_alerts`. The aggregator makes them, so they are types, not parsers.
 */

export interface Trend {
  keyword: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  uniqueAuthors: number;
  zScore: number;
  velocity: number;
  rank: number;
  sentimentMean: number;
  sampleUris: string[];
  /**
   * 1 - p x M: p the score's tail probability, M the tests made in that slide (a Bonferroni bound
   * on the chance that a keyword this extreme appears by chance). Absent in old records.
   */
  confidence?: number;
  /** The keyword's onsets recur at a fixed interval: ranked, never alerted. */
  periodic?: boolean;
}

export interface TrendAlert extends Trend {
  kind: "new" | "update";
}
