/**
 * Feeds a generated stream through the aggregator's own code (`windowEvent`, `WindowState`,
 * `withoutAll`, `TrendDetector`) in arrival order and scores the alerts against the truth.
 *
 * Definitions (README "Trend evaluation"):
 * - an alert is a `new` alert; it is true when its keyword is a burst's and its window ends
 *   after the burst's start and at most one window after its end; every other alert is false;
 * - a burst is found within k slides when a true alert's window ends no later than k slides
 *   after the first slide boundary following the burst's start (k full slides of burst seen);
 * - delay: alert window end minus burst start;
 * - active keywords: keywords that reached `minCount` posts in at least one window;
 * - rank correlation: Spearman's rho between a simultaneous group's strengths and its members'
 *   ranks (absent = after the last), averaged over the slides when the whole group runs.
 */
import { keywords } from "../actors/trends/keywords.ts";
import { TrendDetector } from "../actors/trends/detect.ts";
import type { DetectConfig, Trend, TrendAlert } from "../actors/trends/detect.ts";
import { windowEvent, withoutAll } from "../actors/trends/aggregator.ts";
import { WindowState } from "../actors/trends/windows.ts";
import type { ClosedWindow, WindowConfig } from "../actors/trends/windows.ts";
import { generate, trendPost } from "./generator.ts";
import type { StreamOptions, Trap, Truth } from "./generator.ts";

export interface EvalResult {
  seed: number;
  posts: number;
  alerts: number;
  precision: number;
  recall1: number;
  recall2: number;
  medianDelayS: number;
  falsePerHourPer1k: number;
  activeKeywords: number;
  trapAlerts: Record<string, number>;
  rankCorrelation: number;
  /** Share of a burst's slides in which it is on the ranking. */
  onRanking: number;
}

export const EVAL_WINDOWS: Omit<WindowConfig, "partitions"> = {
  sizeMs: 600_000,
  slideMs: 60_000,
  latenessMs: 30_000,
};

export const EVAL_DETECT: DetectConfig = {
  baselineWindows: 10,
  minCount: 5,
  minAuthors: 4,
  zThreshold: 4,
  cooldownMs: 900_000,
};

export function evaluate(
  o: StreamOptions,
  detect: DetectConfig = EVAL_DETECT,
  win = EVAL_WINDOWS,
): EvalResult {
  return evaluateWindows(closeWindows(o, win), detect);
}

/** A generated stream's closed windows (as the detector sees them) and its truth. */
export interface ClosedStream {
  seed: number;
  posts: number;
  hours: number;
  win: Omit<WindowConfig, "partitions">;
  windows: ClosedWindow[];
  truth: Truth[];
  traps: Trap[];
  /** Per window, the keywords with at least this many posts (`minCount`) are active. */
  counts: Array<Map<string, number>>;
}

/** Feeds a generated stream through the aggregator's windows, in arrival order. */
export function closeWindows(o: StreamOptions, win = EVAL_WINDOWS): ClosedStream {
  const { posts, truth, traps } = generate(o);
  const windows = new WindowState({ ...win, partitions: 1 });
  const closed: ClosedWindow[] = [];
  const counts: Array<Map<string, number>> = [];
  for (const p of posts) {
    windows.add(windowEvent(trendPost(p), 0, {}));
    for (const w of windows.closeReady()) {
      counts.push(new Map([...w.keywords].map(([k, a]) => [k, a.count])));
      closed.push(withoutAll(w));
    }
  }
  const hours = (posts.at(-1)!.time - posts[0].time) / 3_600_000;
  return { seed: o.seed, posts: posts.length, hours, win, windows: closed, truth, traps, counts };
}

/** Runs a detector over a stream's closed windows and scores its alerts against the truth. */
export function evaluateWindows(s: ClosedStream, detect: DetectConfig = EVAL_DETECT): EvalResult {
  const { truth, traps, win } = s;
  const detector = new TrendDetector(detect);
  const alerts: TrendAlert[] = [];
  const rankings: Array<{ end: number; trends: Trend[] }> = [];
  const active = new Set<string>();
  for (const [i, w] of s.windows.entries()) {
    for (const [k, n] of s.counts[i]) if (n >= detect.minCount) active.add(k);
    const r = detector.onClose(w);
    alerts.push(...r.alerts.filter((a) => a.kind === "new"));
    rankings.push({ end: w.end, trends: r.trends });
  }
  const key = (word: string) =>
    keywords(word.startsWith("#") ? "" : word, word.startsWith("#") ? [word.slice(1)] : [])[0];
  const slide = win.slideMs;
  const isTrue = (a: TrendAlert) =>
    truth.some((t) =>
      key(t.word) === a.keyword && a.windowEnd > t.start && a.windowEnd <= t.end + win.sizeMs
    );
  const trueAlerts = alerts.filter(isTrue);
  const found = (t: Truth, k: number) => {
    const deadline = Math.ceil(t.start / slide) * slide + k * slide;
    return trueAlerts.some((a) =>
      a.keyword === key(t.word) && a.windowEnd > t.start && a.windowEnd <= deadline
    );
  };
  const delays = truth.map((t) => {
    const a = trueAlerts.find((a) => a.keyword === key(t.word) && a.windowEnd > t.start);
    return a ? (a.windowEnd - t.start) / 1000 : Infinity;
  }).sort((x, y) => x - y);
  const hours = s.hours;
  const falseAlerts = alerts.length - trueAlerts.length;
  const trapAlerts: Record<string, number> = {};
  for (const t of traps) {
    trapAlerts[t.kind] = (trapAlerts[t.kind] ?? 0) +
      alerts.filter((a) => a.keyword === key(t.word)).length;
  }
  return {
    seed: s.seed,
    posts: s.posts,
    alerts: alerts.length,
    precision: alerts.length ? trueAlerts.length / alerts.length : 1,
    recall1: truth.filter((t) => found(t, 1)).length / truth.length,
    recall2: truth.filter((t) => found(t, 2)).length / truth.length,
    medianDelayS: delays[Math.floor(delays.length / 2)],
    falsePerHourPer1k: falseAlerts / hours / (active.size / 1000),
    activeKeywords: active.size,
    trapAlerts,
    rankCorrelation: rankCorrelation(truth, rankings, key),
    onRanking: onRanking(truth, rankings, key),
  };
}

function rankCorrelation(
  truth: Truth[],
  rankings: Array<{ end: number; trends: Trend[] }>,
  key: (w: string) => string,
): number {
  const groups = Map.groupBy(truth.filter((t) => t.group !== undefined), (t) => t.group!);
  const rhos: number[] = [];
  for (const g of groups.values()) {
    const from = Math.max(...g.map((t) => t.start)), to = Math.min(...g.map((t) => t.end));
    for (const r of rankings) {
      if (r.end <= from + 60_000 || r.end > to) continue;
      const pos = (t: Truth) => r.trends.find((x) => x.keyword === key(t.word))?.rank ?? Infinity;
      rhos.push(spearman(g.map((t) => -t.strength), g.map(pos)));
    }
  }
  return rhos.length ? rhos.reduce((x, y) => x + y, 0) / rhos.length : NaN;
}

function onRanking(
  truth: Truth[],
  rankings: Array<{ end: number; trends: Trend[] }>,
  key: (w: string) => string,
): number {
  let on = 0, all = 0;
  for (const t of truth) {
    for (const r of rankings) {
      if (r.end <= t.start + 60_000 || r.end > t.end) continue;
      all++;
      if (r.trends.some((x) => x.keyword === key(t.word))) on++;
    }
  }
  return all ? on / all : NaN;
}

/** Spearman's rho with average ranks for ties. */
function spearman(a: number[], b: number[]): number {
  const ranks = (xs: number[]) =>
    xs.map((x) => {
      const less = xs.filter((y) => y < x).length, same = xs.filter((y) => y === x).length;
      return less + (same + 1) / 2;
    });
  const ra = ranks(a), rb = ranks(b);
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return da && db ? num / Math.sqrt(da * db) : 0;
}
