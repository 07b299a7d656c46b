/**
 * Trend storage: closed windows and alerts in PostgreSQL (idempotent by natural keys), the
 * aggregator's checkpoint (state and offsets, in the same transaction), and reads for the API.
 */
import type { SlideScores } from "./detect.ts";
import type { Merged } from "./merge.ts";
import type { ClosedWindow } from "./windows.ts";
import type { Db, Queryable } from "../../db/db.ts";
import { UpstreamError } from "../../lib/errors.ts";

/** A checkpoint as loaded: the small row and every saved pane delta, in save order. */
export interface Checkpoint {
  offsets: Record<string, string>;
  /** The broker incarnation the offsets were read from (null: written before it was kept). */
  incarnation: string | null;
  /** Window bookkeeping and lake sizes (null: a checkpoint from before incremental saves). */
  meta: unknown | null;
  /** The detector state (or, before incremental saves, the whole state). */
  state: unknown;
  panes: Array<[number, unknown]>;
}

/** What one batch saves: offsets and meta always, the rest only when it changed. */
export interface CheckpointUpdate {
  offsets: Record<string, string>;
  incarnation: string;
  /** Read last in the transaction, after `MergeStep.publish` appended to the lake. */
  meta: () => unknown;
  /** Rewritten only when given (windows closed, or the first save). */
  state?: unknown;
  /** Events added since the last save, per pane start, under this batch's sequence number. */
  deltas: Array<[number, unknown]>;
  /** This save's sequence number: the stored checkpoint must be at `seq - 1` (a fence). */
  seq: number;
  /** Panes whose deltas can go. */
  dropped: number[];
}

/**
 * The scores of the windows a batch closed, and how to merge them once every partition of the
 * aggregator has saved its own (`merge.ts`). Merges run under one lock per aggregator, so each
 * window is merged exactly once, in window order, by whichever partition completes it.
 */
export interface MergeStep {
  /** The aggregator's name (`AGG_NAME`): its partitions' scores are merged together. */
  agg: string;
  parts: number;
  part: number;
  scores: SlideScores[];
  /** Merges complete windows (oldest first) from the merge state saved last (null: none). */
  merge(state: unknown | null, windows: SlideScores[][]): { state: unknown; merged: Merged[] };
  /** Runs in the transaction before the checkpoint row: the alerts to the lake and the topic. */
  publish(merged: Merged[]): Promise<void>;
}

export class TrendStore {
  constructor(readonly db: Db) {}

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    const rows = await this.db.query<Omit<Checkpoint, "panes">>(
      `SELECT offsets, incarnation, meta, state FROM aggregator_checkpoints WHERE name = $1`,
      [name],
    );
    if (!rows[0]) return null;
    const panes = await this.db.query<{ pane_start: string; delta: unknown }>(
      `SELECT pane_start, delta FROM aggregator_pane_deltas WHERE name = $1
       ORDER BY pane_start, seq`,
      [name],
    );
    return { ...rows[0], panes: panes.map((p) => [Number(p.pane_start), p.delta]) };
  }

  /** The saved sequence number of each named checkpoint (absent: none saved). */
  async seqs(names: string[]): Promise<Map<string, number>> {
    const rows = await this.db.query<{ name: string; seq: string | null }>(
      `SELECT name, meta->>'seq' AS seq FROM aggregator_checkpoints WHERE name = ANY($1::text[])`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, Number(r.seq ?? 0)]));
  }

  /**
   * Windows, merged alerts and the checkpoint, all or nothing. Refuses (retriable) when the
   * stored checkpoint is not the one this state was resumed from: another member of the group
   * saved this partition meanwhile, and this state is stale.
   */
  async save(
    name: string,
    closed: ClosedWindow[],
    cp: CheckpointUpdate,
    step?: MergeStep,
  ): Promise<Merged[]> {
    const merged = await this.db.transaction(async (tx) => {
      const at = await tx.query<{ seq: string | null }>(
        `SELECT meta->>'seq' AS seq FROM aggregator_checkpoints WHERE name = $1 FOR UPDATE`,
        [name],
      );
      const stored = at[0] ? Number(at[0].seq ?? 0) : 0;
      if (stored !== cp.seq - 1) {
        throw new UpstreamError(
          "CHECKPOINT_MOVED",
          `Checkpoint ${name} is at batch ${stored}, not ${cp.seq - 1}: another member saved it`,
        );
      }
      await insertWindows(tx, closed);
      const merged = step?.scores.length ? await mergeScores(tx, step) : [];
      const alerts = merged.flatMap((m) => m.alerts);
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
      if (cp.dropped.length) {
        await tx.query(
          `DELETE FROM aggregator_pane_deltas WHERE name = $1 AND pane_start = ANY($2::bigint[])`,
          [name, cp.dropped.map(String)],
        );
      }
      if (cp.deltas.length) {
        await tx.query(
          `INSERT INTO aggregator_pane_deltas (name, pane_start, seq, delta)
           SELECT $1, p, $2, d FROM jsonb_to_recordset($3::jsonb) AS r(p bigint, d jsonb)
           ON CONFLICT (name, pane_start, seq) DO UPDATE SET delta = EXCLUDED.delta`,
          [name, cp.seq, JSON.stringify(cp.deltas.map(([p, d]) => ({ p, d })))],
        );
      }
      // `state` is left out of the UPDATE when unchanged: PostgreSQL then keeps its stored
      // (TOASTed) value instead of writing another copy.
      await tx.query(
        cp.state === undefined
          ? `INSERT INTO aggregator_checkpoints (name, offsets, incarnation, meta, state)
             VALUES ($1, $2, $3, $4, '{}'::jsonb)
             ON CONFLICT (name) DO UPDATE SET offsets = $2, incarnation = $3, meta = $4,
               updated_at = now()`
          : `INSERT INTO aggregator_checkpoints (name, offsets, incarnation, meta, state)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO UPDATE SET offsets = $2, incarnation = $3, meta = $4,
               state = $5, updated_at = now()`,
        [
          name,
          JSON.stringify(cp.offsets),
          cp.incarnation,
          JSON.stringify(cp.meta()),
          ...(cp.state === undefined ? [] : [JSON.stringify(cp.state)]),
        ],
      );
      return merged;
    });
    // PGlite runs no autovacuum: reclaim the dead versions the checkpoint leaves, once a slide.
    // One statement per call: several in one would run as a transaction block, which VACUUM
    // refuses.
    if (closed.length && this.db.kind === "pglite") {
      await this.db.query("VACUUM aggregator_checkpoints");
      await this.db.query("VACUUM aggregator_pane_deltas");
    }
    return merged;
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

/**
 * Saves this partition's scores, then merges every window whose scores are now complete. The
 * lock makes the partitions' saves take turns here: the last one to save a window's scores sees
 * the others' (committed before it got the lock) and merges it, in window order.
 */
async function mergeScores(tx: Queryable, step: MergeStep): Promise<Merged[]> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('trend_merges'), hashtext($1))`, [
    step.agg,
  ]);
  await tx.query(
    `INSERT INTO trend_slide_scores (agg, window_end, part, scores)
     SELECT $1, e, $2, s FROM jsonb_to_recordset($3::jsonb) AS r(e bigint, s jsonb)
     ON CONFLICT (agg, window_end, part) DO UPDATE SET scores = EXCLUDED.scores`,
    [step.agg, step.part, JSON.stringify(step.scores.map((s) => ({ e: s.windowEnd, s })))],
  );
  const rows = await tx.query<{ window_end: string; scores: SlideScores[] }>(
    `SELECT window_end, jsonb_agg(scores ORDER BY part) AS scores FROM trend_slide_scores
     WHERE agg = $1 AND window_end <= $2 GROUP BY window_end HAVING count(*) = $3
     ORDER BY window_end`,
    [step.agg, step.scores.at(-1)!.windowEnd, step.parts],
  );
  if (!rows.length) return [];
  const st = await tx.query<{ state: unknown }>(`SELECT state FROM trend_merges WHERE agg = $1`, [
    step.agg,
  ]);
  const { state, merged } = step.merge(st[0]?.state ?? null, rows.map((r) => r.scores));
  const last = Number(rows.at(-1)!.window_end);
  await tx.query(
    `INSERT INTO trend_merges (agg, window_end, state) VALUES ($1, $2, $3)
     ON CONFLICT (agg) DO UPDATE SET window_end = $2, state = $3`,
    [step.agg, last, JSON.stringify(state)],
  );
  await tx.query(`DELETE FROM trend_slide_scores WHERE agg = $1 AND window_end <= $2`, [
    step.agg,
    last,
  ]);
  await step.publish(merged);
  return merged;
}

async function insertWindows(tx: Queryable, closed: ClosedWindow[]): Promise<void> {
  const rows = closed.flatMap((w) =>
    [...w.keywords].map(([k, a]) => ({
      s: w.start,
      e: w.end,
      k,
      c: a.count,
      u: a.uniqueAuthors,
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
