-- Producer runs (ORDER_RUN_ID): how many orders a run delivered and where it is in its ids, so a
-- restarted producer resumes its ORDER_COUNT instead of starting over.
CREATE TABLE IF NOT EXISTS order_producer_runs (
  run_id text NOT NULL,
  topic text NOT NULL,
  sent bigint NOT NULL,
  id_day text NOT NULL,
  id_next bigint NOT NULL,
  id_end bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, topic)
);
