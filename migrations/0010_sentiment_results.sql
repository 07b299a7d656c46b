-- The sentiment role's analytics (issue 13): one row per finance event, idempotent by event id.
-- A near-duplicate has duplicate_of set and no label (it is not classified again); dup_check is
-- 'unchecked' when the near-duplicate index was unreachable. Grafana panels query these columns.
CREATE TABLE IF NOT EXISTS sentiment_results (
  event_id text PRIMARY KEY,
  source text NOT NULL,
  kind text NOT NULL,
  symbols text[] NOT NULL DEFAULT '{}',
  asset_class text NOT NULL,
  label text CHECK (label IN ('positive', 'negative', 'neutral')),
  score double precision CHECK (score BETWEEN -1 AND 1),
  confidence double precision CHECK (confidence BETWEEN 0 AND 1),
  entities jsonb NOT NULL DEFAULT '{}',
  model text,
  duplicate_of text,
  dup_check text NOT NULL CHECK (dup_check IN ('original', 'duplicate', 'unchecked')),
  similarity double precision,
  text text,
  published_at timestamptz NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sentiment_results_processed_idx ON sentiment_results (processed_at DESC);
CREATE INDEX IF NOT EXISTS sentiment_results_symbols_idx ON sentiment_results USING gin (symbols);
CREATE INDEX IF NOT EXISTS sentiment_results_duplicate_of_idx ON sentiment_results (duplicate_of)
  WHERE duplicate_of IS NOT NULL;
-- Per minute, per asset class and per source: what the dashboard and the routes read.
CREATE MATERIALIZED VIEW IF NOT EXISTS sentiment_by_asset_class_minute AS
  SELECT date_trunc('minute', processed_at) AS minute, asset_class,
         count(*) FILTER (WHERE label IS NOT NULL)::int AS classified,
         avg(score) AS mean_score,
         count(*) FILTER (WHERE label = 'positive')::int AS positive,
         count(*) FILTER (WHERE label = 'negative')::int AS negative,
         count(*) FILTER (WHERE label = 'neutral')::int AS neutral
  FROM sentiment_results GROUP BY 1, 2;
CREATE UNIQUE INDEX IF NOT EXISTS sentiment_by_asset_class_minute_key
  ON sentiment_by_asset_class_minute (minute, asset_class);
CREATE MATERIALIZED VIEW IF NOT EXISTS sentiment_by_source_minute AS
  SELECT date_trunc('minute', processed_at) AS minute, source,
         count(*)::int AS events,
         count(*) FILTER (WHERE duplicate_of IS NOT NULL)::int AS duplicates,
         count(*) FILTER (WHERE dup_check = 'unchecked')::int AS unchecked,
         avg(score) AS mean_score,
         count(*) FILTER (WHERE label = 'positive')::int AS positive,
         count(*) FILTER (WHERE label = 'negative')::int AS negative,
         count(*) FILTER (WHERE label = 'neutral')::int AS neutral
  FROM sentiment_results GROUP BY 1, 2;
CREATE UNIQUE INDEX IF NOT EXISTS sentiment_by_source_minute_key
  ON sentiment_by_source_minute (minute, source);
CREATE MATERIALIZED VIEW IF NOT EXISTS sentiment_by_source_hour AS
  SELECT date_trunc('hour', processed_at) AS hour, source,
         count(*)::int AS events,
         count(*) FILTER (WHERE duplicate_of IS NOT NULL)::int AS duplicates,
         avg(score) AS mean_score
  FROM sentiment_results GROUP BY 1, 2;
CREATE UNIQUE INDEX IF NOT EXISTS sentiment_by_source_hour_key
  ON sentiment_by_source_hour (hour, source);
-- Sentiment-threshold alerts: at most one per symbol per cooldown; published to alert_topic
-- after the insert (published is set once the broker has it, so a crash re-publishes).
CREATE TABLE IF NOT EXISTS sentiment_alerts (
  symbol text NOT NULL,
  window_end timestamptz NOT NULL,
  direction text NOT NULL CHECK (direction IN ('positive', 'negative')),
  mean_score double precision NOT NULL,
  events integer NOT NULL,
  sources text[] NOT NULL,
  published boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, window_end)
);
CREATE INDEX IF NOT EXISTS sentiment_alerts_unpublished_idx ON sentiment_alerts (created_at)
  WHERE NOT published;
