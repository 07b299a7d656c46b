-- Trends: keyword counts per closed window ("*" is every post), alerts, and the aggregator's
-- checkpoint (window state and the offsets it reflects, saved in one transaction).
CREATE TABLE IF NOT EXISTS keyword_windows (
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  keyword text NOT NULL,
  count integer NOT NULL,
  unique_authors integer NOT NULL,
  sentiment_mean double precision NOT NULL,
  PRIMARY KEY (window_start, keyword)
);
CREATE INDEX IF NOT EXISTS keyword_windows_keyword_idx ON keyword_windows (keyword, window_end DESC);
CREATE TABLE IF NOT EXISTS trend_alerts (
  keyword text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  kind text NOT NULL,
  count integer NOT NULL,
  unique_authors integer NOT NULL,
  z_score double precision NOT NULL,
  velocity integer NOT NULL,
  rank integer NOT NULL,
  sentiment_mean double precision NOT NULL,
  sample_uris text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (keyword, window_end)
);
CREATE INDEX IF NOT EXISTS trend_alerts_window_end_idx ON trend_alerts (window_end DESC);
CREATE TABLE IF NOT EXISTS aggregator_checkpoints (
  name text PRIMARY KEY,
  offsets jsonb NOT NULL,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
