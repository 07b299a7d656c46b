-- Classified Bluesky posts for analytics: one row per post URI (idempotent by uri).
CREATE TABLE IF NOT EXISTS classified_posts (
  uri text PRIMARY KEY,
  did text NOT NULL,
  text text NOT NULL,
  langs text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  time_us bigint NOT NULL,
  hashtags text[] NOT NULL DEFAULT '{}',
  mentions text[] NOT NULL DEFAULT '{}',
  sentiment text NOT NULL,
  score double precision NOT NULL,
  confidence double precision NOT NULL,
  entities jsonb NOT NULL,
  topics text[] NOT NULL DEFAULT '{}',
  asset_class text NOT NULL,
  model text NOT NULL,
  classified_at timestamptz NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS classified_posts_created_at_idx ON classified_posts (created_at DESC);
CREATE INDEX IF NOT EXISTS classified_posts_did_idx ON classified_posts (did);
CREATE INDEX IF NOT EXISTS classified_posts_sentiment_idx ON classified_posts (sentiment);
