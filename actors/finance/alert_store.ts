/**
 * Derived outputs of `sentiment_results`: per-minute aggregates per symbol (recomputed from the
 * stored rows, so a replay publishes the same values) and sentiment-threshold alerts with a
 * cooldown (one per symbol per cooldown, decided under a per-symbol advisory lock, so two workers
 * cannot both fire).
 */
import type { Db } from "../../db/db.ts";
import type { SymbolAggregate } from "../../schemas/finance.ts";

export interface AlertRule {
  windowS: number;
  threshold: number;
  minSources: number;
  minEvents: number;
  cooldownS: number;
}

export interface StoredAlert {
  symbol: string;
  window_end: string;
  direction: "positive" | "negative";
  mean_score: number;
  events: number;
  sources: string[];
}

export class AlertStore {
  constructor(readonly db: Db) {}

  /**
   * The aggregates of the given symbols for the given minutes. Read through `sentiment_symbols`
   * (a range of its primary key per symbol), so the cost follows those minutes' rows, not the
   * table: this runs after every batch, before its offsets are committed.
   */
  aggregates(symbols: string[], minutes: string[]): Promise<SymbolAggregate[]> {
    if (symbols.length === 0 || minutes.length === 0) return Promise.resolve([]);
    return this.db.query<SymbolAggregate>(
      `SELECT x.symbol, (array_agg(r.asset_class ORDER BY r.processed_at))[1] AS asset_class,
              to_char(date_trunc('minute', x.processed_at) AT TIME ZONE 'UTC',
                'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS minute,
              count(*)::int AS events, count(r.label)::int AS classified,
              count(r.duplicate_of)::int AS duplicates, avg(r.score) AS mean_score,
              count(*) FILTER (WHERE r.label = 'positive')::int AS positive,
              count(*) FILTER (WHERE r.label = 'negative')::int AS negative,
              count(*) FILTER (WHERE r.label = 'neutral')::int AS neutral,
              array_agg(DISTINCT r.source ORDER BY r.source) AS sources
       FROM sentiment_symbols x JOIN sentiment_results r ON r.event_id = x.event_id
       WHERE x.symbol = ANY($1::text[])
         AND x.processed_at >= (SELECT min(m) FROM unnest($2::timestamptz[]) m)
         AND x.processed_at < (SELECT max(m) FROM unnest($2::timestamptz[]) m) + interval '1 minute'
         AND date_trunc('minute', x.processed_at) = ANY($2::timestamptz[])
       GROUP BY 1, 3 ORDER BY 3, 1`,
      [symbols, minutes],
    );
  }

  /**
   * The symbols of rows stored in the last `seconds`, each with whether any of those rows is
   * labelled (classified, not a near-duplicate): what a pass lost in a crash must cover again.
   */
  recentSymbols(seconds: number): Promise<Array<{ symbol: string; labelled: boolean }>> {
    return this.db.query<{ symbol: string; labelled: boolean }>(
      `SELECT s AS symbol, bool_or(r.label IS NOT NULL) AS labelled
       FROM sentiment_results r, unnest(r.symbols) AS s
       WHERE r.processed_at >= now() - make_interval(secs => $1)
       GROUP BY s ORDER BY s`,
      [seconds],
    );
  }

  /**
   * Records an alert for each symbol whose labelled events in the window pass the rule, unless
   * one was recorded within the cooldown; returns the new ones. One transaction for every symbol
   * of a batch (it runs before the batch's commit; one per symbol was 4 round trips each), under
   * each symbol's advisory lock, taken in one order so two workers cannot deadlock.
   */
  async raise(symbols: string[], rule: AlertRule): Promise<StoredAlert[]> {
    if (symbols.length === 0) return [];
    return await this.db.transaction(async (tx) => {
      await tx.query(
        `SELECT pg_advisory_xact_lock(h) FROM (
           SELECT DISTINCT hashtext('sentiment-alert:' || s) AS h FROM unnest($1::text[]) s
           ORDER BY 1) t`,
        [symbols],
      );
      return await tx.query<StoredAlert>(
        `WITH w AS (
           SELECT x.symbol, avg(r.score) AS mean, count(*)::int AS n,
                  array_agg(DISTINCT r.source ORDER BY r.source) AS sources,
                  max(r.processed_at) AS e
           FROM sentiment_symbols x JOIN sentiment_results r ON r.event_id = x.event_id
           WHERE x.symbol = ANY($1::text[]) AND r.label IS NOT NULL
             AND x.processed_at > now() - make_interval(secs => $2)
           GROUP BY x.symbol)
         INSERT INTO sentiment_alerts (symbol, window_end, direction, mean_score, events, sources)
         SELECT w.symbol, date_trunc('milliseconds', w.e),
                CASE WHEN w.mean > 0 THEN 'positive' ELSE 'negative' END, w.mean, w.n, w.sources
         FROM w
         WHERE abs(w.mean) >= $3 AND cardinality(w.sources) >= $4 AND w.n >= $5
           AND NOT EXISTS (SELECT 1 FROM sentiment_alerts a WHERE a.symbol = w.symbol
                           AND a.created_at > now() - make_interval(secs => $6))
         ON CONFLICT DO NOTHING
         RETURNING symbol, window_end, direction, mean_score, events, sources`,
        [symbols, rule.windowS, rule.threshold, rule.minSources, rule.minEvents, rule.cooldownS],
      );
    });
  }

  /** Alerts not yet on the topic (a crash between insert and publish leaves them here). */
  unpublished(): Promise<StoredAlert[]> {
    return this.db.query<StoredAlert>(
      `SELECT symbol, window_end, direction, mean_score, events, sources FROM sentiment_alerts
       WHERE NOT published ORDER BY created_at LIMIT 1000`,
    );
  }

  async markPublished(alerts: StoredAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.db.query(
      `UPDATE sentiment_alerts SET published = true
       FROM unnest($1::text[], $2::timestamptz[]) AS t(symbol, window_end)
       WHERE sentiment_alerts.symbol = t.symbol AND sentiment_alerts.window_end = t.window_end`,
      [alerts.map((a) => a.symbol), alerts.map((a) => a.window_end)],
    );
  }

  recent(limit: number): Promise<StoredAlert[]> {
    return this.db.query<StoredAlert>(
      `SELECT symbol, window_end, direction, mean_score, events, sources FROM sentiment_alerts
       ORDER BY created_at DESC LIMIT $1`,
      [limit],
    );
  }
}
