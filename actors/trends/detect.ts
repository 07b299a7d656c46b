/**
 * Trend detection on closed windows. A keyword's score is the z-score of its count against the
 * same keyword's counts in the previous K closed windows (mean and standard deviation, the
 * deviation floored at `stdFloor` so a never-seen keyword does not divide by zero), gated by a
 * minimum count and a minimum number of unique authors (one account cannot make a trend).
 * Trends are ranked by score, then by velocity (change in count since the previous window).
 * Alerts: a keyword alerts once per cooldown (event time); while cooling down it only sends an
 * `update` when it rises in rank. Alert state is pruned once its cooldown is over, so the
 * checkpoint does not grow with every keyword that ever trended.
 */
import type { Trend, TrendAlert } from "../../schemas/trends.ts";
import type { ClosedWindow } from "./windows.ts";

export type { Trend, TrendAlert } from "../../schemas/trends.ts";

export interface DetectConfig {
  /** Baseline windows (K); detection starts once K windows have closed. */
  baselineWindows: number;
  minCount: number;
  minAuthors: number;
  zThreshold: number;
  stdFloor: number;
  cooldownMs: number;
}

interface Snapshot {
  history: Array<Array<[string, number]>>;
  lastAlert: Array<[string, { windowEnd: number; rank: number }]>;
}

export class TrendDetector {
  readonly config: DetectConfig;
  /** Counts of the last K closed windows, oldest first. */
  #history: Array<Map<string, number>> = [];
  #lastAlert = new Map<string, { windowEnd: number; rank: number }>();

  constructor(config: DetectConfig) {
    this.config = config;
  }

  onClose(w: ClosedWindow): { trends: Trend[]; alerts: TrendAlert[] } {
    const c = this.config;
    const prev = this.#history.at(-1);
    const candidates: Omit<Trend, "rank">[] = [];
    // Until the baseline is full, nothing counts as a trend: a filling window always "grows".
    const warm = this.#history.length >= c.baselineWindows;
    for (const [keyword, a] of w.keywords) {
      if (!warm) break;
      if (a.count < c.minCount || a.authors.length < c.minAuthors) continue;
      const base = this.#history.map((h) => h.get(keyword) ?? 0);
      const k = base.length;
      const mean = k ? base.reduce((x, y) => x + y, 0) / k : 0;
      const variance = k ? base.reduce((x, y) => x + (y - mean) ** 2, 0) / k : 0;
      const z = (a.count - mean) / Math.max(Math.sqrt(variance), c.stdFloor);
      if (z < c.zThreshold) continue;
      candidates.push({
        keyword,
        windowStart: w.start,
        windowEnd: w.end,
        count: a.count,
        uniqueAuthors: a.authors.length,
        zScore: Math.round(z * 1000) / 1000,
        velocity: a.count - (prev?.get(keyword) ?? 0),
        sentimentMean: Math.round((a.sentimentSum / a.count) * 1000) / 1000,
        sampleUris: a.samples,
      });
    }
    const trends = candidates
      .sort((x, y) =>
        y.zScore - x.zScore || y.velocity - x.velocity || (x.keyword < y.keyword ? -1 : 1)
      )
      .map((t, i) => ({ ...t, rank: i + 1 }));
    const alerts: TrendAlert[] = [];
    for (const t of trends) {
      const last = this.#lastAlert.get(t.keyword);
      if (!last || t.windowEnd - last.windowEnd >= c.cooldownMs) {
        alerts.push({ ...t, kind: "new" });
        this.#lastAlert.set(t.keyword, { windowEnd: t.windowEnd, rank: t.rank });
      } else if (t.rank < last.rank) {
        alerts.push({ ...t, kind: "update" });
        this.#lastAlert.set(t.keyword, { windowEnd: last.windowEnd, rank: t.rank });
      }
    }
    // An alert older than the cooldown no longer decides anything: the next trend is `new`.
    for (const [k, last] of this.#lastAlert) {
      if (w.end - last.windowEnd >= c.cooldownMs) this.#lastAlert.delete(k);
    }
    this.#history.push(new Map([...w.keywords].map(([k, a]) => [k, a.count])));
    if (this.#history.length > c.baselineWindows) this.#history.shift();
    return { trends, alerts };
  }

  toJSON(): Snapshot {
    return { history: this.#history.map((h) => [...h]), lastAlert: [...this.#lastAlert] };
  }

  static fromJSON(config: DetectConfig, snap: Snapshot): TrendDetector {
    const d = new TrendDetector(config);
    d.#history = snap.history.map((h) => new Map(h));
    d.#lastAlert = new Map(snap.lastAlert);
    return d;
  }
}
