/**
 * The global ranking and the alerts of one closed window, from the scores of every detector
 * that saw it (one per partition of `trend-keywords`, or the single detector of a direct
 * aggregator). Every partition sees every post's time, so they close the same windows and share
 * the same volume model; each scores only its own keywords. The merge is what one detector of
 * every keyword would have answered: candidates ranked together, confidence over the tests of
 * every partition, and alerts decided with the ranks of the whole ranking.
 *
 * Alerts: a keyword alerts `new` when it has not trended for a cooldown (one event, one alert,
 * however long it runs); while it trends, an `update` only when it rises in rank. Periodic
 * keywords are ranked, never alerted.
 */
import type { Trend, TrendAlert } from "../../schemas/trends.ts";
import type { Scored, SlideScores } from "./detect.ts";

interface LastAlert {
  windowEnd: number;
  rank: number;
  seen?: number;
}

export interface Merged {
  windowStart: number;
  windowEnd: number;
  trends: Trend[];
  rising: Trend[];
  alerts: TrendAlert[];
}

export class TrendMerger {
  #lastAlert = new Map<string, LastAlert>();

  constructor(readonly cooldownMs: number) {}

  /** One window's scores from every partition (in partition order) → ranking and alerts. */
  merge(parts: SlideScores[]): Merged {
    const tests = parts.reduce((n, p) => n + p.tests, 0);
    const candidates = parts.flatMap((p) =>
      p.trends.map((t) => ({
        ...t,
        confidence: round(Math.max(0, 1 - Math.exp(t.confidence) * tests)),
      }))
    );
    const trends = rank(candidates);
    const end = parts[0].windowEnd;
    return {
      windowStart: parts[0].windowStart,
      windowEnd: end,
      trends,
      rising: rank(parts.flatMap((p) => p.rising)).slice(0, 20),
      alerts: this.#alerts(trends, end),
    };
  }

  #alerts(trends: Trend[], end: number): TrendAlert[] {
    const alerts: TrendAlert[] = [];
    for (const t of trends) {
      if ((t as Scored).periodic) continue;
      const last = this.#lastAlert.get(t.keyword);
      if (!last) {
        alerts.push({ ...t, kind: "new" });
        this.#lastAlert.set(t.keyword, { windowEnd: t.windowEnd, rank: t.rank, seen: end });
      } else {
        if (t.rank < last.rank) alerts.push({ ...t, kind: "update" });
        this.#lastAlert.set(t.keyword, { ...last, rank: Math.min(t.rank, last.rank), seen: end });
      }
    }
    // A keyword quiet for a cooldown no longer decides anything: the next trend is `new`.
    for (const [k, last] of this.#lastAlert) {
      if (end - (last.seen ?? last.windowEnd) >= this.cooldownMs) this.#lastAlert.delete(k);
    }
    return alerts;
  }

  toJSON(): Array<[string, LastAlert]> {
    return [...this.#lastAlert];
  }

  static fromJSON(cooldownMs: number, snap: Array<[string, LastAlert]> | undefined): TrendMerger {
    const m = new TrendMerger(cooldownMs);
    m.#lastAlert = new Map(snap ?? []);
    return m;
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** By score, then velocity, then keyword: an order that does not depend on the partitions. */
export function rank<T extends Omit<Trend, "rank">>(xs: T[]): Array<T & { rank: number }> {
  return [...xs]
    .sort((x, y) =>
      y.zScore - x.zScore || y.velocity - x.velocity || (x.keyword < y.keyword ? -1 : 1)
    )
    .map((t, i) => ({ ...t, rank: i + 1 }));
}
