-- The order ids and customer ids compared bytewise (COLLATE "C"): PostgreSQL 15 compares text
-- of any other collation through strcoll, C.UTF-8 included, and every stored order makes about
-- 20 such comparisons in each of the two indexes on them. Their values are ASCII in a fixed
-- shape (the schema's ORD-YYYYMMDD-NNNNN and CUST-NNNNN), which every collation orders as bytes,
-- so no query's answer changes. The created_at index ascending: new orders go to its rightmost
-- leaf, which PostgreSQL inserts into without descending the tree; the newest-first listing
-- scans it backwards. COPY of 100,000 orders, backend CPU a row: 4.2-4.4 µs before, 3.8-4.1
-- after.
ALTER TABLE orders
  ALTER COLUMN order_id TYPE text COLLATE "C",
  ALTER COLUMN customer_id TYPE text COLLATE "C";
DROP INDEX IF EXISTS orders_created_at_idx;
CREATE INDEX IF NOT EXISTS orders_created_at_idx ON orders (created_at);
