/** The `text_messages` table: idempotent batch inserts by id, reads for the API. */
import type { Db } from "../../db/db.ts";

export interface TextRow {
  id: string;
  message: string;
  created_at: string;
  processed_at: string;
}

export interface TextStats {
  total: number;
  lastHour: number;
  oldest: string | null;
  newest: string | null;
}

export class TextMessageStore {
  constructor(readonly db: Db) {}

  /** Inserts rows that are not there yet; returns how many were new. */
  async insertBatch(rows: Array<{ id: string; message: string }>): Promise<number> {
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const texts = rows.map((r) => r.message);
    const res = await this.db.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO text_messages (id, message)
         SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [ids, texts],
    );
    return res[0]?.n ?? 0;
  }

  list(limit: number, offset: number): Promise<TextRow[]> {
    return this.db.query<TextRow>(
      `SELECT id, message, created_at, processed_at FROM text_messages
       ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
  }

  async get(id: string): Promise<TextRow | null> {
    const rows = await this.db.query<TextRow>(
      `SELECT id, message, created_at, processed_at FROM text_messages WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async stats(): Promise<TextStats> {
    const rows = await this.db.query<
      { total: number; last_hour: number; oldest: string | null; newest: string | null }
    >(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE created_at > now() - interval '1 hour')::int AS last_hour,
              min(created_at) AS oldest, max(created_at) AS newest
       FROM text_messages`,
    );
    const r = rows[0];
    return { total: r.total, lastHour: r.last_hour, oldest: r.oldest, newest: r.newest };
  }
}
