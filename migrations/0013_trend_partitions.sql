-- A scaled-out aggregator (issue 11): each partition of `trend-keywords` scores its own keywords
-- per closed window; the window's ranking and alerts are merged once every partition has saved
-- its scores. `trend_slide_scores` holds the scores of windows not merged yet (deleted when
-- merged); `trend_merges` the merge's own state (the alert cooldowns), per aggregator name.
CREATE TABLE IF NOT EXISTS trend_slide_scores (
  agg text NOT NULL,
  window_end bigint NOT NULL,
  part integer NOT NULL,
  scores jsonb NOT NULL,
  PRIMARY KEY (agg, window_end, part)
);
CREATE TABLE IF NOT EXISTS trend_merges (
  agg text PRIMARY KEY,
  window_end bigint NOT NULL,
  state jsonb NOT NULL
);
