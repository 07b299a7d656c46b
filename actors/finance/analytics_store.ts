/**
 * The analytics database of the sentiment role: `sentiment_results` (idempotent batch inserts
 * by event id), the per-minute and per-hour materialized views (refreshed concurrently, so reads
 * never wait), the symbol index `sentiment_symbols` (filled by triggers), and the reads behind the
 * routes.
 */
import type { Db } from "../../db/db.ts";
import type { SentimentResult } from "../../schemas/finance.ts";

/** A row to store; `processed_at` is the database's clock. */
export type SentimentRow = Omit<SentimentResult, "processed_at">;

export interface AssetClassSentiment {
  asset_class: string;
  classified: number;
  mean_score: number | null;
  positive: number;
  negative: number;
  neutral: number;
}

export interface SourceSentiment {
  source: string;
  events: number;
  duplicates: number;
  unchecked: number;
  mean_score: number | null;
  positive: number;
  negative: number;
  neutral: number;
}

export interface MinutePoint {
  minute: string;
  key: string;
  events: number;
  mean_score: number | null;
}

const VIEWS = [
  "sentiment_by_asset_class_minute",
  "sentiment_by_source_minute",
  "sentiment_by_source_hour",
];

const COLUMNS =
  `event_id, source, kind, symbols, asset_class, label, score, confidence, entities, model,
  duplicate_of, dup_check, similarity, text, published_at, processed_at`;

export class AnalyticsStore {
  constructor(readonly db: Db) {}

  /**
   * Inserts the rows not stored yet; returns how many were new. A near-duplicate takes its
   * original's asset class (the original is stored, or in the same batch).
   */
  async insertBatch(rows: SentimentRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const col = <K extends keyof SentimentRow>(k: K) => rows.map((r) => r[k]);
    const res = await this.db.query<{ n: number }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[],
           $6::text[], $7::float8[], $8::float8[], $9::jsonb[], $10::text[], $11::text[],
           $12::text[], $13::float8[], $14::text[], $15::timestamptz[])
           AS t(event_id, source, kind, symbols, asset_class, label, score, confidence, entities,
                model, duplicate_of, dup_check, similarity, text, published_at)),
       ins AS (
         INSERT INTO sentiment_results (event_id, source, kind, symbols, asset_class, label, score,
           confidence, entities, model, duplicate_of, dup_check, similarity, text, published_at)
         SELECT i.event_id, i.source, i.kind,
                ARRAY(SELECT jsonb_array_elements_text(i.symbols)),
                COALESCE(o.asset_class, b.asset_class, i.asset_class), i.label, i.score, i.confidence,
                i.entities, i.model, i.duplicate_of, i.dup_check, i.similarity, i.text,
                i.published_at
         FROM input i LEFT JOIN sentiment_results o ON o.event_id = i.duplicate_of
           LEFT JOIN input b ON b.event_id = i.duplicate_of
         ON CONFLICT (event_id) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [
        col("event_id"),
        col("source"),
        col("kind"),
        rows.map((r) => JSON.stringify(r.symbols)),
        col("asset_class"),
        col("label"),
        col("score"),
        col("confidence"),
        rows.map((r) => JSON.stringify(r.entities)),
        col("model"),
        col("duplicate_of"),
        col("dup_check"),
        col("similarity"),
        col("text"),
        col("published_at"),
      ],
    );
    return res[0]?.n ?? 0;
  }

  /** Refreshes every view without blocking readers (each has a unique index). */
  async refreshViews(): Promise<void> {
    for (const v of VIEWS) await this.db.exec(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${v}`);
  }

  byAssetClass(minutes: number): Promise<AssetClassSentiment[]> {
    return this.db.query<AssetClassSentiment>(
      `SELECT asset_class, sum(classified)::int AS classified,
              sum(mean_score * classified) / NULLIF(sum(classified), 0) AS mean_score,
              sum(positive)::int AS positive, sum(negative)::int AS negative,
              sum(neutral)::int AS neutral
       FROM sentiment_by_asset_class_minute
       WHERE minute > now() - make_interval(mins => $1)
       GROUP BY asset_class ORDER BY classified DESC, asset_class`,
      [minutes],
    );
  }

  bySource(minutes: number): Promise<SourceSentiment[]> {
    return this.db.query<SourceSentiment>(
      `SELECT source, sum(events)::int AS events, sum(duplicates)::int AS duplicates,
              sum(unchecked)::int AS unchecked,
              sum(mean_score * (positive + negative + neutral))
                / NULLIF(sum(positive + negative + neutral), 0) AS mean_score,
              sum(positive)::int AS positive, sum(negative)::int AS negative,
              sum(neutral)::int AS neutral
       FROM sentiment_by_source_minute
       WHERE minute > now() - make_interval(mins => $1)
       GROUP BY source ORDER BY events DESC, source`,
      [minutes],
    );
  }

  /** Events per minute per source (the dashboard's volume chart). */
  volumeBySource(minutes: number): Promise<MinutePoint[]> {
    return this.db.query<MinutePoint>(
      `SELECT minute, source AS key, events, mean_score FROM sentiment_by_source_minute
       WHERE minute > now() - make_interval(mins => $1) ORDER BY minute, source`,
      [minutes],
    );
  }

  /**
   * The latest analysed events that name a symbol, newest first: the newest entries of the
   * symbol's range in `sentiment_symbols` (kept by triggers), then their rows by primary key.
   */
  bySymbol(symbol: string, limit: number): Promise<SentimentResult[]> {
    return this.db.query<SentimentResult>(
      `SELECT ${COLUMNS} FROM sentiment_results WHERE event_id IN (
         SELECT event_id FROM sentiment_symbols WHERE symbol = $1
         ORDER BY processed_at DESC LIMIT $2)
       ORDER BY processed_at DESC, event_id DESC`,
      [symbol, limit],
    );
  }

  async event(id: string): Promise<SentimentResult | null> {
    const rows = await this.db.query<SentimentResult>(
      `SELECT ${COLUMNS} FROM sentiment_results WHERE event_id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}
