-- Where each firehose reader got to: the time_us of the last event whose batch the broker acked.
CREATE TABLE IF NOT EXISTS firehose_cursors (
  name text PRIMARY KEY,
  time_us bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
