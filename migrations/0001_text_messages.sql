-- The text-message service's table: one row per message id (idempotent by id).
CREATE TABLE IF NOT EXISTS text_messages (
  id uuid PRIMARY KEY,
  message text NOT NULL,
  created_at timestamptz DEFAULT now(),
  processed_at timestamptz DEFAULT now()
);
CREATE INDEX IF NOT EXISTS text_messages_created_at_idx ON text_messages (created_at DESC, id);
