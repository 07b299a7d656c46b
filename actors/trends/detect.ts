/**
 * Trend detection on closed windows, against a baseline that measures real noise.
 *
 * Model. Each keyword has an expected share of the posts: an EWMA (weight `alpha` per slide) of
 * its distinct authors per post, learnt from non-overlapping slices (the newest slide of each
 * closed window), so the expectation follows total volume (`E = share x posts`). Its noise is a
 * Poisson law, or a negative binomial when the keyword's measured dispersion (an EWMA of
 * `(observed - E)^2 / E`) is above 1, plus a 5 % volume-model error. A keyword never seen
 * expects `newKeywordRate` authors per slide.
 *
 * Score. Distinct authors are tested at three scales, the newest slide, the newest two and the
 * whole window (fast onset and sustained weaker bursts), and at two more: the newest slide's and
 * the newest two's new voices, those absent from the slide before (`SliceVoices`), each with an
 * expected share of its own. A keyword's regulars, who post on it every slide, are in the
 * expectation of the first scales but not of the new ones, while the fresh voices of a burst are
 * in both: the same excess against a smaller, less noisy expectation. Every scale is tested after
 * discounting `minAuthors - 1` voices, so no group smaller than `minAuthors` (one spammer, a ring
 * of three, even one that skips a slide to be new again) can make a trend whatever it posts. The score is the strongest scale's tail probability as
 * normal sigmas; a trend needs `score >= zThreshold` and `count >= minCount`. A fourth scale is
 * a CUSUM over the per-slide voices (`_cusum.ts`), with the same discount, for small excesses
 * sustained past two slides; its `e^-S` is a tail probability like the others' p.
 * `confidence = 1 - p x M` (floored at 0), M the number of tests made in that slide: a
 * Bonferroni bound on the chance that a keyword this extreme appears by chance in the slide.
 *
 * Keeping the burst out of its own baseline: slices enter the baseline clipped at `E + 2.5 sd`,
 * two slides late (a guard band: a burst's first slides are scored against a baseline they have
 * not touched), and the dispersion does not learn while a keyword trends or its CUSUM says a
 * change is under way. A keyword whose onsets recur at a fixed interval (a bot pulse,
 * a daily ritual) is `periodic` from its third onset and no longer alerts. Slow organic growth
 * (window authors at least 1.5 times a slow EWMA, weight `alpha / 10`) goes to `rising`, never
 * to alerts. `score` answers one window's candidates; ranking and alerts are `merge.ts`'s, so a
 * detector may own only some keywords (a partition of `trend-keywords`).
 */
import type { Trend, TrendAlert } from "../../schemas/trends.ts";
import { cusumLogTail, cusumStep } from "./_cusum.ts";
import { logUpperTail, zOfLogTail } from "./_score.ts";
import { rank, TrendMerger } from "./merge.ts";
import type { ClosedWindow } from "./windows.ts";
import { fallbackSlice, observed } from "./_slice.ts";
import type { Observed, Scales, Slice } from "./_slice.ts";

export type { Trend, TrendAlert } from "../../schemas/trends.ts";

export interface DetectConfig {
  /** Slides the baseline learns before anything may trend (it learns two slides late). */
  baselineWindows: number;
  minCount: number;
  /** Distinct authors a trend needs; `minAuthors - 1` authors are discounted from every score. */
  minAuthors: number;
  /** The score (normal sigmas of the tail probability) a trend needs. */
  zThreshold: number;
  /** Kept for old configurations; unused since the noise is modelled. */
  stdFloor?: number;
  cooldownMs: number;
  /** EWMA weight of a new slide in the baseline. Default 0.05 (about 20 slides of memory). */
  alpha?: number;
  /** Expected distinct authors per slide of a keyword never seen. Default 0.05. */
  newKeywordRate?: number;
}

/**
 * Per keyword: share of the newest slide, dispersion, slow window share, last window count,
 * hot flag, onsets, share of the newest two slides, window share (shares: voices per post), the
 * CUSUM of its per-slide voices (absent in checkpoints written before it existed: 0), the shares
 * of new voices in the newest slide and two (absent in older checkpoints: the voices' shares,
 * an upper bound the EWMA then learns down from).
 */
type KwState = [
  m1: number,
  d: number,
  slow: number,
  prev: number,
  hot: number,
  onsets: number[],
  m2: number,
  mw: number,
  cusum?: number,
  n1?: number,
  n2?: number,
];
type Pending = [vols: Vols, warm: boolean, obs: Array<[string, Observed]>];
/** Posts in the newest slide, the newest two and the window. */
type Vols = Scales;
/** Per observed scale (`Observed`), its share in `KwState` and its posts in `Vols`. */
const SHARE_OF = [0, 6, 7, 9, 10] as const;
const VOL_OF = [0, 1, 2, 0, 1] as const;

interface Snapshot {
  kw: Array<[string, KwState]>;
  volumes: number[];
  vbar: number;
  slides: number;
  lastAlert: ReturnType<TrendMerger["toJSON"]>;
  pending?: Pending[];
}

/**
 * A candidate before the ranking: `confidence` holds ln p (its tail probability) until
 * `mergeScores` turns it into the Bonferroni confidence over every test of the slide.
 */
export type Scored = Omit<Trend, "rank"> & { confidence: number; periodic?: boolean };

/**
 * What one detector finds in a closed window, before the global ranking: its trend candidates,
 * its rising keywords (its best 20) and how many tests it made. A detector owning a subset of
 * the keywords (one partition of `trend-keywords`) makes one of these per window; the merge of
 * every partition's (`merge.ts`) is what a single detector would have found.
 */
export interface SlideScores {
  windowStart: number;
  windowEnd: number;
  trends: Scored[];
  rising: Scored[];
  tests: number;
}

export class TrendDetector {
  readonly config: DetectConfig;
  #kw = new Map<string, KwState>();
  /** Posts per slide, newest last, as many as a window has slides. */
  #volumes: number[] = [];
  #vbar = 0;
  #slides = 0;
  /** The slides the baseline has yet to learn (the guard band): volumes, warm, observations. */
  #pending: Pending[] = [];
  /** Ranks and alerts for `onClose` (a partitioned aggregator merges in `merge.ts` instead). */
  #merger: TrendMerger;

  constructor(config: DetectConfig) {
    this.config = config;
    this.#merger = new TrendMerger(config.cooldownMs);
  }

  /** Scores a closed window and ranks and alerts on it alone (a detector of every keyword). */
  onClose(w: ClosedWindow): { trends: Trend[]; alerts: TrendAlert[]; rising: Trend[] } {
    return this.#merger.merge([this.score(w)]);
  }

  /**
   * Scores a closed window's keywords and learns from it: the candidates (not yet ranked, their
   * `confidence` still ln p), the rising keywords and the tests made.
   */
  score(w: ClosedWindow): SlideScores {
    const c = this.config;
    const slice = w.slice ?? fallbackSlice(w);
    const nSlides = Math.max(1, Math.round((w.end - w.start) / slice.slideMs));
    this.#volumes.push(slice.volume);
    if (this.#volumes.length > nSlides) this.#volumes.shift();
    this.#slides++;
    this.#vbar = this.#slides === 1 ? slice.volume : ewma(this.#vbar, slice.volume, 0.05);
    const v1 = slice.volume, v2 = v1 + (this.#volumes.at(-2) ?? 0);
    const vols: Vols = [v1, v2, this.#volumes.reduce((x, y) => x + y, 0)];
    // Warm once the baseline has learnt `baselineWindows` slides (it learns GUARD_SLIDES late).
    const warm = this.#slides > c.baselineWindows + GUARD_SLIDES;
    const candidates: Scored[] = [];
    const rising: Scored[] = [];
    let tests = 0;
    for (const [keyword, a] of w.keywords) {
      const st = this.#kw.get(keyword);
      const obs = observed(w, slice, keyword);
      if (!warm || obs[2] < c.minAuthors || a.count < c.minCount) continue;
      // A keyword from a checkpoint written before new voices were kept: all its voices new.
      const shares = st
        ? [st[0], st[6], st[7], st[9] ?? st[0], st[10] ?? st[6]]
        : [0, 0, 0, 0, 0].map(() => this.#prior());
      let best = 0, bestLog = 0;
      // The fourth scale: a CUSUM over slides, for small excesses sustained past two slides.
      const s = st ? this.#cusum(st, obs[0], v1) : 0;
      if (s > 0) {
        tests++;
        [best, bestLog] = [zOfLogTail(cusumLogTail(s)), cusumLogTail(s)];
      }
      for (let i = 0; i < obs.length; i++) {
        const e = shares[i] * vols[VOL_OF[i]];
        // No group smaller than minAuthors can make a trend: discount that many voices (a ring
        // can feed the new-voice scales too, by skipping a slide).
        const x = obs[i] - (c.minAuthors - 1);
        if (x <= e) continue;
        tests++;
        const lp = logUpperTail(Math.ceil(x), e, variance(e, st?.[1]));
        const z = zOfLogTail(lp);
        if (z > best) [best, bestLog] = [z, lp];
      }
      const base = {
        keyword,
        windowStart: w.start,
        windowEnd: w.end,
        count: a.count,
        uniqueAuthors: a.uniqueAuthors,
        zScore: round(best),
        velocity: a.count - (st?.[3] ?? 0),
        sentimentMean: round(a.sentimentSum / a.count),
        sampleUris: a.samples,
        confidence: bestLog,
      };
      if (best >= c.zThreshold) candidates.push(base);
      else if (st && obs[2] >= 2 * c.minAuthors && obs[2] >= 1.5 * st[2] * vols[2]) {
        rising.push({ ...base, confidence: 0, zScore: round(obs[2] / (st[2] * vols[2])) });
      }
    }
    const hot = new Set(candidates.map((t) => t.keyword));
    const wasHot = new Set([...hot].filter((k) => this.#kw.get(k)?.[4]));
    this.#learn(w, slice, vols, hot);
    for (const t of candidates) t.periodic = this.#periodic(t.keyword, w.end, wasHot);
    return {
      windowStart: w.start,
      windowEnd: w.end,
      trends: candidates,
      rising: rank(rising).slice(0, 20).map(({ rank: _, ...t }) => t),
      tests,
    };
  }

  /**
   * The keyword's CUSUM after this slide's voices, `minAuthors - 1` of them discounted as in the
   * other scales (so one account or a ring of three adds nothing to it, however long it posts).
   */
  #cusum(st: KwState, voices: number, v1: number): number {
    const e = st[0] * v1;
    const x = Math.max(0, voices - (this.config.minAuthors - 1));
    return cusumStep(st[8] ?? 0, x, e, variance(e, st[1]) / Math.max(e, 1e-9));
  }

  #prior(): number {
    return (this.config.newKeywordRate ?? 0.05) / Math.max(this.#vbar, 1);
  }

  /**
   * Updates every keyword's CUSUM, counts and hot flag with this slide, and its shares with the
   * slide `GUARD_SLIDES` back. Keywords whose share fell below half the new-keyword prior are
   * forgotten.
   */
  #learn(w: ClosedWindow, slice: Slice, vols: Vols, hot: Set<string>) {
    const p = this.#prior();
    const now = new Map<string, Observed>();
    for (const k of slice.authors.keys()) {
      if (!this.#kw.has(k)) this.#kw.set(k, [p, 1, p, 0, 0, [], p, p, 0, p, p]);
      now.set(k, observed(w, slice, k));
    }
    for (const k of w.keywords.keys()) if (!now.has(k)) now.set(k, observed(w, slice, k));
    // The guard band: the baseline learns from the slide GUARD_SLIDES back, so the first
    // slides of a burst are scored against a baseline they have not touched.
    const warm = this.#slides > this.config.baselineWindows + GUARD_SLIDES;
    this.#pending.push([vols, warm, [...now]]);
    const learnt = this.#pending.length > GUARD_SLIDES ? this.#pending.shift()! : undefined;
    const then = learnt && new Map(learnt[2]);
    for (const [k, st] of this.#kw) {
      const cusum = this.#cusum(st, now.get(k)?.[0] ?? 0, vols[0]);
      // A CUSUM that signalled restarts (Page's rule): otherwise a keyword with a tiny
      // expectation would keep the evidence of one burst for hundreds of slides.
      st[8] = zOfLogTail(cusumLogTail(cusum)) >= this.config.zThreshold ? 0 : cusum;
      if (learnt) {
        this.#learnSlide(
          st,
          then!.get(k) ?? [0, 0, 0, 0, 0],
          learnt[0],
          learnt[1],
          cusum,
          hot.has(k),
        );
      }
      st[3] = w.keywords.get(k)?.count ?? 0;
      st[4] = hot.has(k) ? 1 : 0;
      const stale = st[0] < p / 2 && !st[4] &&
        (st[5].length === 0 || w.end - st[5].at(-1)! > 4 * 3_600_000);
      if (stale) this.#kw.delete(k);
    }
  }

  /**
   * One keyword's shares and dispersion updated with a past slide. An observation enters
   * clipped at `E + 2.5 sd` (a robust EWMA): a burst cannot become its own baseline, a slow
   * ramp still is followed.
   */
  #learnSlide(
    st: KwState,
    obs: Observed,
    vols: Vols,
    warm: boolean,
    cusum: number,
    hot: boolean,
  ) {
    const alpha = Math.max(this.config.alpha ?? 0.05, 1 / Math.max(1, this.#slides - GUARD_SLIDES));
    st[9] ??= st[0];
    st[10] ??= st[6];
    // A pending slide from a checkpoint written before new voices were kept: all voices new.
    obs[3] ??= obs[0];
    obs[4] ??= obs[1];
    const used = obs.map((x, i) => {
      const e = (st[SHARE_OF[i]] as number) * vols[VOL_OF[i]];
      // Until the baseline is warm there is nothing to be robust against: learn freely.
      return warm ? Math.min(x, e + 2.5 * Math.sqrt(variance(e, st[1]))) : x;
    });
    const e1 = st[0] * vols[0];
    // One slide moves the dispersion by at most 20 x alpha: a first sighting is no outlier.
    // While a keyword trends or its CUSUM says a change is under way, the dispersion is left
    // alone: a burst's excess is not noise (clipped at E + 2.5 sd it still grew the dispersion
    // by a quarter a slide, and the burst's own scores fell with it).
    if (cusum < CHANGE_UNDER_WAY && !hot) {
      st[1] = ewma(st[1], Math.min(20, (used[0] - e1) ** 2 / Math.max(e1, 1)), alpha);
    }
    used.forEach((x, i) => {
      st[SHARE_OF[i]] = ewma(st[SHARE_OF[i]] as number, x / Math.max(vols[VOL_OF[i]], 1), alpha);
    });
    st[2] = ewma(st[2], used[2] / Math.max(vols[2], 1), alpha / 10);
  }

  /** Records an onset (a hot slide after a quiet one); true when onsets recur regularly. */
  #periodic(keyword: string, end: number, wasHot: Set<string>): boolean {
    const on = this.#kw.get(keyword)?.[5];
    if (!on) return false;
    if (!wasHot.has(keyword)) {
      on.push(end);
      if (on.length > 4) on.shift();
    }
    return isRegular(on);
  }

  toJSON(): Snapshot {
    return {
      kw: [...this.#kw],
      volumes: this.#volumes,
      vbar: this.#vbar,
      slides: this.#slides,
      lastAlert: this.#merger.toJSON(),
      pending: this.#pending,
    };
  }

  static fromJSON(config: DetectConfig, snap: Snapshot): TrendDetector {
    const d = new TrendDetector(config);
    d.#kw = new Map(snap.kw ?? []);
    d.#volumes = snap.volumes ?? [];
    d.#vbar = snap.vbar ?? 0;
    d.#slides = snap.slides ?? 0;
    d.#merger = TrendMerger.fromJSON(config.cooldownMs, snap.lastAlert);
    d.#pending = snap.pending ?? [];
    return d;
  }
}

/** Slides between an observation and the baseline learning from it (a CFAR guard band). */
const GUARD_SLIDES = 2;

/** A CUSUM above this (ln 100: reached by chance at most 1 % of excursions) marks a change. */
const CHANGE_UNDER_WAY = Math.log(100);

const ewma = (old: number, x: number, a: number) => old + a * (x - old);

/** Poisson, or over-dispersed by the keyword's measured dispersion, plus `MODEL_ERROR`. */
const variance = (e: number, d = 1) => Math.max(1, d) * e + (MODEL_ERROR * e) ** 2;
/**
 * The expectation's relative error beyond what the measured dispersion shows (the share drifting
 * between the slides the baseline learnt and the ones scored). It was 10 %; the dispersion
 * already measures most of it at the one-slide scale, and at 10 % the two-slide scores of ×3
 * bursts on words of 6-8 voices a slide fell short; with none, early-baseline words alert.
 */
const MODEL_ERROR = 0.05;

const round = (x: number) => Math.round(x * 1000) / 1000;

/** At least three onsets whose last two gaps agree within 10 %. */
function isRegular(onsets: number[]): boolean {
  if (onsets.length < 3) return false;
  const [a, b, c] = onsets.slice(-3);
  const g1 = b - a, g2 = c - b;
  return Math.abs(g1 - g2) <= 0.1 * Math.max(g1, g2);
}
