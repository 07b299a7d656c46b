-- Incremental aggregator checkpoints. A batch used to rewrite the whole window state (megabytes
-- of JSON) into one row, leaving a dead version behind every time; now each batch inserts only
-- the events it added, per pane, and deletes the rows of panes no open window covers. The
-- checkpoint row keeps the small parts: offsets (with the broker incarnation they belong to),
-- the window bookkeeping in `meta`, and in `state` the detector, rewritten only when windows close.
ALTER TABLE aggregator_checkpoints ADD COLUMN IF NOT EXISTS meta jsonb;
ALTER TABLE aggregator_checkpoints ADD COLUMN IF NOT EXISTS incarnation text;
CREATE TABLE IF NOT EXISTS aggregator_pane_deltas (
  name text NOT NULL,
  pane_start bigint NOT NULL,
  seq bigint NOT NULL,
  delta jsonb NOT NULL,
  PRIMARY KEY (name, pane_start, seq)
);
