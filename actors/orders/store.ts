/**
 * The `orders` table: idempotent batch inserts by order_id that tell new rows, duplicates
 * (same content) and conflicts (same id, different content) apart; reads for the API; the
 * order-id block allocator used by producers, and their runs' progress.
 */
import type { Order } from "../../schemas/orders.ts";
import { copyIfAllNew, copyText, inKeyOrder } from "../../db/db.ts";
import type { Db } from "../../db/db.ts";
import type { IdPosition } from "./ids.ts";

/** How far a producer run got: orders delivered, and the position in its ids after them. */
export interface RunProgress {
  sent: number;
  ids: IdPosition;
}

export interface OrderRow {
  order_id: string;
  customer_id: string;
  items: Order["items"];
  total_amount: string;
  status: string;
  created_at: string;
  processed_at: string;
}

/**
 * An order to store: its fields, with `items` serialised as JSON once. The lines themselves are
 * not kept, so they die young instead of surviving, with their batch, until it is stored.
 */
export interface OrderIn {
  order_id: string;
  customer_id: string;
  items: string;
  total_amount: number;
  status: Order["status"];
  created_at: string;
}

export function orderIn(o: Order): OrderIn {
  return {
    order_id: o.order_id,
    customer_id: o.customer_id,
    items: JSON.stringify(o.items),
    total_amount: o.total_amount,
    status: o.status,
    created_at: o.created_at,
  };
}

export interface InsertOutcome {
  inserted: Set<string>;
  duplicates: Set<string>;
  conflicts: Map<string, string>;
}

/** The stored form of an order, for comparing a replay with what is stored. */
function fingerprint(o: {
  customer_id: string;
  items: unknown;
  total_amount: number | string;
  status: string;
  created_at: string | Date;
}): string {
  return canonical([
    o.customer_id,
    o.items,
    Number(o.total_amount).toFixed(2),
    o.status,
    new Date(o.created_at).toISOString(),
  ]);
}

/** JSON with object keys sorted, so jsonb's key order does not matter. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a < b ? -1 : 1);
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export class OrderStore {
  constructor(readonly db: Db) {}

  /**
   * Inserts orders whose id is new (ids distinct within a call) and compares the others with
   * what is stored. `items` is each order's `items` as JSON, serialised once by the caller. On
   * PostgreSQL the batch is COPYed straight into the table, a statement alone (the usual case:
   * every id is new); if any id is already stored that COPY fails as a whole and the batch is
   * inserted with `unnest` of typed arrays and `ON CONFLICT DO NOTHING` instead. Rows go in
   * order_id order, so concurrent writers take their locks in the same order.
   */
  async insertBatch(rows: OrderIn[]): Promise<InsertOutcome> {
    const out: InsertOutcome = { inserted: new Set(), duplicates: new Set(), conflicts: new Map() };
    if (rows.length === 0) return out;
    const sorted = inKeyOrder(rows, (r) => r.order_id);
    const copy = `COPY orders (order_id, customer_id, items, total_amount, status, created_at)
      FROM STDIN`;
    if (this.db.copyFrom && await copyIfAllNew(this.db, copy, copyData(sorted))) {
      for (const { order_id } of sorted) out.inserted.add(order_id);
      return out;
    }
    // PGlite, or some id is stored already (nothing of the batch was): it goes in row by row.
    return this.#insertNew(sorted, out);
  }

  /** `ON CONFLICT DO NOTHING`, then the ids stored already compared with what is stored. */
  #insertNew(sorted: OrderIn[], out: InsertOutcome): Promise<InsertOutcome> {
    return this.db.transaction(async (tx) => {
      const cols = (f: (o: OrderIn) => unknown) => sorted.map(f);
      const ins = await tx.query<{ order_id: string }>(
        `INSERT INTO orders (order_id, customer_id, items, total_amount, status, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::json[], $4::numeric[], $5::text[],
                              $6::timestamptz[])
         ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
        [
          cols((o) => o.order_id),
          cols((o) => o.customer_id),
          cols((o) => o.items),
          cols((o) => o.total_amount),
          cols((o) => o.status),
          cols((o) => o.created_at),
        ],
      );
      for (const r of ins) out.inserted.add(r.order_id);
      const rest = sorted.filter(({ order_id }) => !out.inserted.has(order_id));
      if (rest.length === 0) return out;
      const stored = new Map(
        (await tx.query<OrderRow>(
          `SELECT * FROM orders WHERE order_id = ANY($1::text[])`,
          [rest.map(({ order_id }) => order_id)],
        )).map((r) => [r.order_id, fingerprint(r)]),
      );
      for (const o of rest) {
        const ours = fingerprint({ ...o, items: JSON.parse(o.items) });
        if (stored.get(o.order_id) === ours) out.duplicates.add(o.order_id);
        else out.conflicts.set(o.order_id, "order_id already stored with different content");
      }
      return out;
    });
  }

  list(limit: number, offset: number, customerId?: string): Promise<OrderRow[]> {
    return customerId
      ? this.db.query<OrderRow>(
        `SELECT * FROM orders WHERE customer_id = $3
         ORDER BY created_at DESC, order_id LIMIT $1 OFFSET $2`,
        [limit, offset, customerId],
      )
      : this.db.query<OrderRow>(
        `SELECT * FROM orders ORDER BY created_at DESC, order_id LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
  }

  async get(orderId: string): Promise<OrderRow | null> {
    const rows = await this.db.query<OrderRow>(`SELECT * FROM orders WHERE order_id = $1`, [
      orderId,
    ]);
    return rows[0] ?? null;
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders`);
    return rows[0].n;
  }

  /** Reserves `size` sequence numbers for `day` (YYYYMMDD); returns the first. */
  async reserveIds(day: string, size: number): Promise<number> {
    const rows = await this.db.query<{ next_seq: string }>(
      `INSERT INTO order_id_blocks (day, next_seq) VALUES ($1, $2 + 1)
       ON CONFLICT (day) DO UPDATE SET next_seq = order_id_blocks.next_seq + $2
       RETURNING next_seq`,
      [day, size],
    );
    return Number(rows[0].next_seq) - size;
  }

  /** The saved progress of a producer run, or null for a new run. */
  async loadRun(runId: string, topic: string): Promise<RunProgress | null> {
    const rows = await this.db.query<
      { sent: string; id_day: string; id_next: string; id_end: string }
    >(
      `SELECT sent, id_day, id_next, id_end FROM order_producer_runs
       WHERE run_id = $1 AND topic = $2`,
      [runId, topic],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      sent: Number(r.sent),
      ids: { day: r.id_day, next: Number(r.id_next), end: Number(r.id_end) },
    };
  }

  /** Saves a run's progress; an older progress never overwrites a newer one. */
  async saveRun(runId: string, topic: string, p: RunProgress): Promise<void> {
    await this.db.query(
      `INSERT INTO order_producer_runs (run_id, topic, sent, id_day, id_next, id_end)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run_id, topic) DO UPDATE SET sent = EXCLUDED.sent, id_day = EXCLUDED.id_day,
         id_next = EXCLUDED.id_next, id_end = EXCLUDED.id_end, updated_at = now()
       WHERE order_producer_runs.sent <= EXCLUDED.sent`,
      [runId, topic, p.sent, p.ids.day, p.ids.next, p.ids.end],
    );
  }
}

/** Rows in COPY's text format, in the column order of the COPY above. */
function copyData(rows: OrderIn[]): string {
  let out = "";
  for (const o of rows) {
    out += `${copyText(o.order_id)}\t${copyText(o.customer_id)}\t${
      copyText(o.items)
    }\t${o.total_amount}\t${o.status}\t${copyText(o.created_at)}\n`;
  }
  return out;
}
