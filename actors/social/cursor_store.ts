/** Firehose cursors: saved only after the batch they cover has been acked by the broker. */
import type { Db } from "../../db/db.ts";

export class CursorStore {
  constructor(readonly db: Db) {}

  async get(name: string): Promise<number | null> {
    const rows = await this.db.query<{ time_us: string }>(
      `SELECT time_us FROM firehose_cursors WHERE name = $1`,
      [name],
    );
    return rows[0] ? Number(rows[0].time_us) : null;
  }

  /** Moves the cursor forward (never back). */
  async set(name: string, timeUs: number): Promise<void> {
    await this.db.query(
      `INSERT INTO firehose_cursors (name, time_us) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET time_us = greatest(firehose_cursors.time_us, $2),
         updated_at = now()`,
      [name, timeUs],
    );
  }
}
