-- The food-order pipeline: one row per order id (idempotent by order_id).
CREATE TABLE IF NOT EXISTS orders (
  order_id text PRIMARY KEY,
  customer_id text NOT NULL,
  items jsonb NOT NULL,
  total_amount numeric(10, 2) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);
CREATE INDEX IF NOT EXISTS orders_created_at_idx ON orders (created_at DESC);
-- Order-id blocks reserved by producers, so ids stay unique across producer restarts.
CREATE TABLE IF NOT EXISTS order_id_blocks (
  day text PRIMARY KEY,
  next_seq bigint NOT NULL
);
