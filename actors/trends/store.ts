/**
 * Trend storage: closed windows and alerts in PostgreSQL (idempotent by natural keys), the
 * aggregator's checkpoint (state and offsets, in the same transaction), and reads for the API.
 */
import type { TrendAlert } from "./detect.ts";
import type { ClosedWindow } from "./windows.ts";
import type { Db, Queryable } from "../../db/db.ts";

export interface Checkpoint {
  offsets: Record<string, string>;
  state: unknown;
}

export class TrendStore {
  constructor(readonly db: Db) {}

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    const rows = await this.db.query<Checkpoint>(
      `SELECT offsets, state FROM aggregator_checkpoints WHERE name = $1`,
      [name],
    );
    return rows[0] ?? null;
  }

  /** Windows, alerts and the checkpoint, all or nothing. */
  save(name: string, closed: ClosedWindow[], alerts: TrendAlert[], cp: Checkpoint): Promise<void> {
    return this.db.transaction(async (tx) => {
      await insertWindows(tx, closed);
      if (alerts.length) {
        await tx.query(
          `INSERT INTO trend_alerts (keyword, window_start, window_end, kind, count, unique_authors,
             z_score, velocity, rank, sentiment_mean, sample_uris)
           SELECT keyword, to_timestamp("windowStart" / 1000.0), to_timestamp("windowEnd" / 1000.0),
             kind, count, "uniqueAuthors", "zScore", velocity, rank, "sentimentMean", "sampleUris"
           FROM jsonb_to_recordset($1::jsonb) AS a(keyword text, "windowStart" bigint,
             "windowEnd" bigint, kind text, count int, "uniqueAuthors" int, "zScore" float8,
             velocity int, rank int, "sentimentMean" float8, "sampleUris" text[])
           ON CONFLICT (keyword, window_end) DO NOTHING`,
          [JSON.stringify(alerts)],
        );
      }
      await tx.query(
        `INSERT INTO aggregator_checkpoints (name, offsets, state) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET offsets = $2, state = $3, updated_at = now()`,
        [name, JSON.stringify(cp.offsets), JSON.stringify(cp.state)],
      );
    });
  }

  history(keyword: string, limit: number) {
    return this.db.query(
      `SELECT window_start, window_end, count, unique_authors, sentiment_mean FROM keyword_windows
       WHERE keyword = $1 ORDER BY window_end DESC LIMIT $2`,
      [keyword, limit],
    );
  }

  alerts(since: Date, limit: number) {
    return this.db.query(
      `SELECT * FROM trend_alerts WHERE window_end >= $1 ORDER BY window_end DESC, rank LIMIT $2`,
      [since, limit],
    );
  }

  /** Volume and mean sentiment over time for one keyword ("*": every post). */
  sentiment(keyword: string, bucket: "window" | "hour", limit: number) {
    return bucket === "window"
      ? this.db.query(
        `SELECT window_end AS bucket, count AS posts, sentiment_mean FROM keyword_windows
         WHERE keyword = $1 ORDER BY window_end DESC LIMIT $2`,
        [keyword, limit],
      )
      : this.db.query(
        `SELECT date_trunc('hour', window_end) AS bucket, max(count) AS posts,
                avg(sentiment_mean) AS sentiment_mean
         FROM keyword_windows WHERE keyword = $1 GROUP BY 1 ORDER BY 1 DESC LIMIT $2`,
        [keyword, limit],
      );
  }
}

async function insertWindows(tx: Queryable, closed: ClosedWindow[]): Promise<void> {
  const rows = closed.flatMap((w) =>
    [...w.keywords].map(([k, a]) => ({
      s: w.start,
      e: w.end,
      k,
      c: a.count,
      u: a.authors.length,
      m: a.sentimentSum / a.count,
    }))
  );
  for (let i = 0; i < rows.length; i += 5_000) {
    await tx.query(
      `INSERT INTO keyword_windows (window_start, window_end, keyword, count, unique_authors,
         sentiment_mean)
       SELECT to_timestamp(s / 1000.0), to_timestamp(e / 1000.0), k, c, u, m
       FROM jsonb_to_recordset($1::jsonb) AS r(s bigint, e bigint, k text, c int, u int, m float8)
       ON CONFLICT (window_start, keyword) DO NOTHING`,
      [JSON.stringify(rows.slice(i, i + 5_000))],
    );
  }
}
