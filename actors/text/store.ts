/** The `text_messages` table: idempotent batch inserts by id, reads for the API. */
import { copyIfAllNew, copyText, inKeyOrder } from "../../db/db.ts";
import type { Db, Queryable } from "../../db/db.ts";

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

/** What one insert did: how many rows were new, and which ids are stored with other text. */
export interface TextInsert {
  inserted: number;
  /** Ids already stored with a different message: conflicts, never overwritten. */
  conflicts: string[];
}

export function mergeInserts(a: TextInsert, b: TextInsert): TextInsert {
  return { inserted: a.inserted + b.inserted, conflicts: [...a.conflicts, ...b.conflicts] };
}

export class TextMessageStore {
  constructor(readonly db: Db) {}

  /**
   * Inserts rows whose id is new (ids must be distinct within a call) and reports the ids
   * stored with a different message. On PostgreSQL the rows are COPYed straight into the table,
   * a statement alone (the usual case: nothing of the batch is stored yet; one round trip where
   * BEGIN, SAVEPOINT, COPY, COMMIT were four); if any id is already there that COPY fails as a
   * whole, and the batch goes through a temporary staging table instead: COPY into it, then
   * `INSERT … SELECT … ON CONFLICT (id) DO NOTHING`. Rows are written in id order, so two
   * writers storing overlapping batches take their locks in the same order.
   */
  async insertBatch(rows: Array<{ id: string; message: string }>): Promise<TextInsert> {
    if (rows.length === 0) return { inserted: 0, conflicts: [] };
    const sorted = inKeyOrder(rows, (r) => r.id);
    if (!this.db.copyFrom) return this.db.transaction((tx) => this.#insertUnnest(tx, sorted));
    const data = copyData(sorted);
    if (await copyIfAllNew(this.db, "COPY text_messages (id, message) FROM STDIN", data)) {
      return { inserted: sorted.length, conflicts: [] };
    }
    // Some id is stored already: nothing of the batch was, so it goes through the stage.
    return this.db.transaction((tx) => this.#insertStaged(tx, data, sorted.length));
  }

  /** COPY into a temporary stage, `ON CONFLICT DO NOTHING` from it, then the conflicts. */
  async #insertStaged(tx: Queryable, data: string, rows: number): Promise<TextInsert> {
    await tx.query(
      `CREATE TEMP TABLE IF NOT EXISTS text_messages_stage (id text, message text)
       ON COMMIT DELETE ROWS`,
    );
    await tx.copyFrom!("COPY text_messages_stage (id, message) FROM STDIN", data);
    const [{ n }] = await tx.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO text_messages (id, message)
         SELECT id, message FROM text_messages_stage ORDER BY id
         ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
    );
    if (n === rows) return { inserted: n, conflicts: [] };
    // A new statement, so rows committed meanwhile by another writer are seen too.
    const conflicts = await tx.query<{ id: string }>(
      `SELECT s.id FROM text_messages_stage s JOIN text_messages t ON t.id = s.id
       WHERE t.message <> s.message`,
    );
    return { inserted: n, conflicts: conflicts.map((r) => r.id) };
  }

  /** PGlite has no COPY from a client stream: one insert of the arrays, then the comparison. */
  async #insertUnnest(
    tx: Queryable,
    rows: Array<{ id: string; message: string }>,
  ): Promise<TextInsert> {
    const ids = rows.map((r) => r.id);
    const texts = rows.map((r) => r.message);
    const [{ n }] = await tx.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO text_messages (id, message)
         SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [ids, texts],
    );
    if (n === rows.length) return { inserted: n, conflicts: [] };
    const conflicts = await tx.query<{ id: string }>(
      `SELECT u.id FROM unnest($1::text[], $2::text[]) AS u(id, message)
       JOIN text_messages t ON t.id = u.id WHERE t.message <> u.message`,
      [ids, texts],
    );
    return { inserted: n, conflicts: conflicts.map((r) => r.id) };
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

/** Rows in COPY's text format, one line each. */
function copyData(rows: Array<{ id: string; message: string }>): string {
  let out = "";
  for (const r of rows) out += `${copyText(r.id)}\t${copyText(r.message)}\n`;
  return out;
}
