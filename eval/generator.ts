/**
 * A synthetic stream with known truth, for the trend evaluation. Background: a Zipf vocabulary
 * (exponent 1) of invented words, used by authors of Zipf activity, with a slow volume swing,
 * a daily pattern on part of the vocabulary, Poisson arrivals and a created-at jitter (arrival
 * order is not event order). Injected: multi-author bursts of varied strength and length on
 * existing words (x3, x10 their rate) and on brand-new words and hashtags, groups of
 * simultaneous bursts of graded strength, and traps that must not alert: single-author spam,
 * a three-account ring, a bot pulse every 30 minutes, an always-high periodic word, and a slow
 * ramp that doubles over an hour. Deterministic for a seed (npm `pure-rand`).
 */
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";

export interface StreamOptions {
  seed: number;
  minutes: number;
  /** Background posts per second of event time, on average. Default 36. */
  rate?: number;
  vocabulary?: number;
  authors?: number;
  /** Multi-author bursts (the groups of simultaneous ones included). Default 21. */
  bursts?: number;
}

export interface Post {
  uri: string;
  did: string;
  text: string;
  hashtags: string[];
  langs: string[];
  /** Event time (created_at) and arrival time, ms. */
  time: number;
  arrival: number;
}

export interface Truth {
  /** The burst's word as written (a hashtag starts with #). */
  word: string;
  start: number;
  end: number;
  /** Authors per minute added; a group shares an id and ranks by this. */
  strength: number;
  group?: number;
}

export interface Trap {
  kind: "single-author" | "ring" | "bot-pulse" | "periodic" | "ramp";
  word: string;
}

export const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);

/** A generated post as the aggregator reads it (`TrendPost`): receive time is the arrival. */
export function trendPost(p: Post) {
  return {
    uri: p.uri,
    did: p.did,
    text: p.text,
    hashtags: p.hashtags,
    langs: p.langs,
    created_at: new Date(p.time).toISOString(),
    time_us: p.arrival * 1000,
    score: 0,
  };
}
const MIN = 60_000;
const SYL = [
  "ka",
  "lo",
  "mi",
  "ren",
  "tu",
  "va",
  "shi",
  "po",
  "der",
  "nel",
  "qua",
  "zo",
  "bri",
  "fen",
];

export function generate(o: StreamOptions) {
  const rng = xoroshiro128plus(o.seed);
  const u = () => uniformFloat64(rng);
  const exp = (mean: number) => -Math.log(1 - u()) * mean;
  const word = (syllables: number) => {
    let w = "";
    for (let i = 0; i < syllables; i++) w += SYL[Math.floor(u() * SYL.length)];
    return w + "x"; // never a plural, never a stop word
  };
  const seen = new Set<string>();
  const fresh = (syl: number) => {
    let w = word(syl);
    while (seen.has(w)) w = word(syl);
    seen.add(w);
    return w;
  };
  const vocab = Array.from({ length: o.vocabulary ?? 2_000 }, () => fresh(3));
  const zipf = cumulative(vocab.length);
  const nAuthors = o.authors ?? 5_000;
  const authorCdf = cumulative(nAuthors);
  const draw = (cdf: Float64Array) => bisect(cdf, u());
  const end = T0 + o.minutes * MIN;
  const posts: Post[] = [];
  let n = 0;
  const post = (did: string, words: string[], time: number, tags: string[] = []) => {
    const text = words.join(" ") + tags.map((t) => ` #${t}`).join("");
    posts.push({
      uri: `at://${did}/app.bsky.feed.post/e${n++}`,
      did,
      text,
      hashtags: tags,
      langs: ["en"],
      time: Math.round(time),
      arrival: Math.round(time + exp(3_000)),
    });
  };
  const DAY = 24 * 60 * MIN;
  const backgroundWord = (time: number) => {
    let i = draw(zipf);
    // Words 100-199 follow a daily cycle: fewer at night.
    if (i >= 100 && i < 200 && u() < 0.4 * (1 + Math.sin((2 * Math.PI * time) / DAY))) {
      i = draw(zipf);
    }
    return vocab[i];
  };
  const background = (time: number, extra: string[] = []) => {
    const words = Array.from({ length: 3 + Math.floor(u() * 5) }, () => backgroundWord(time));
    post(`did:plc:a${draw(authorCdf)}`, [...words, ...extra], time);
  };
  // Background: Poisson arrivals, a +-15 % swing over 2 h; words 100-199 follow a daily cycle.
  const rate = (o.rate ?? 36) / 1000;
  for (let t = T0; t < end;) {
    const swing = 1 + 0.15 * Math.sin((2 * Math.PI * (t - T0)) / (120 * MIN));
    t += exp(1 / (rate * swing));
    background(t);
  }
  const truth: Truth[] = [];
  const traps: Trap[] = [];
  const span = (from: number, to: number, perMin: number, fn: (t: number) => void) => {
    for (let t = from + exp(MIN / perMin); t < to; t += exp(MIN / perMin)) fn(t);
  };
  // Bursts: starts spread after a 30-minute warm-up, never at a slide boundary.
  const burstCount = o.bursts ?? 21;
  const groups = Math.max(0, Math.min(2, Math.floor(burstCount / 7)));
  const singles = burstCount - 3 * groups;
  const starts = (k: number) =>
    T0 + 30 * MIN + ((k + u()) / (singles + groups)) * (end - T0 - 45 * MIN);
  const burst = (w: string, start: number, minutes: number, perMin: number, group?: number) => {
    const stop = Math.min(end, start + minutes * MIN);
    const tag = w.startsWith("#") ? w.slice(1) : null;
    span(start, stop, perMin, (t) => {
      const words = Array.from({ length: 2 + Math.floor(u() * 4) }, () => vocab[draw(zipf)]);
      const did = `did:plc:a${Math.floor(u() * nAuthors)}`;
      post(did, tag ? words : [...words, w], t, tag ? [tag] : []);
    });
    truth.push({ word: w, start, end: stop, strength: perMin, group });
  };
  const taken = new Set(TRAP_WORDS);
  for (let k = 0; k < singles; k++) {
    const start = starts(k);
    const kind = k % 4;
    const minutes = 5 + Math.floor(u() * 20);
    if (kind < 2) {
      // An existing word, x3 or x10 its expected authors per minute (at least 6 more).
      // Each burst has a word of its own, none a trap's: two overlapping bursts on one word are
      // one event for a detector (the second cannot be "new"), and a trap must stay a trap.
      let i = 20 + Math.floor(u() * 200);
      while (taken.has(i)) i = 20 + Math.floor(u() * 200);
      taken.add(i);
      const w = vocab[i];
      const base = expectedPerMinute(zipf, vocab.indexOf(w), o.rate ?? 36);
      burst(w, start, minutes, Math.max(6, base * (kind === 0 ? 2 : 9)));
    } else {
      const w = kind === 2 ? fresh(3) : `#${fresh(2)}`;
      burst(w, start, minutes, 6 + Math.floor(u() * 30));
    }
  }
  for (let g = 0; g < groups; g++) {
    const start = starts(singles + g);
    for (const [i, perMin] of [12, 24, 48].entries()) {
      burst(fresh(3), start + i * 1000, 15, perMin, g);
    }
  }
  // Traps.
  const [periodic, spamTarget, ramp, ring] = TRAP_WORDS.map((i) => vocab[i]);
  const spam = fresh(3), pulse = fresh(3);
  span(T0 + 20 * MIN, end, 20, (t) => post("did:plc:spammer", [spam, vocab[draw(zipf)]], t));
  span(T0 + 20 * MIN, end, 20, (t) => post("did:plc:spammer2", [spamTarget], t));
  span(T0 + 25 * MIN, end, 30, (t) => post(`did:plc:ring${Math.floor(u() * 3)}`, [ring], t));
  for (let p = T0 + 20 * MIN; p < end; p += 30 * MIN) {
    for (let b = 0; b < 12; b++) post(`did:plc:bot${b}`, [pulse, "daily", "reminder"], p + b * 500);
  }
  span(T0, end, 60, (t) => {
    const phase = Math.sin((2 * Math.PI * (t - T0)) / (20 * MIN));
    if (u() < 0.5 + 0.5 * phase) background(t, [periodic]);
  });
  span(T0 + 30 * MIN, end, 30, (t) => {
    if (u() < 0.5 * 2 ** ((t - T0 - 30 * MIN) / (60 * MIN))) background(t, [ramp]);
  });
  traps.push(
    { kind: "single-author", word: spam },
    { kind: "single-author", word: spamTarget },
    { kind: "ring", word: ring },
    { kind: "bot-pulse", word: pulse },
    { kind: "periodic", word: periodic },
    { kind: "ramp", word: ramp },
  );
  posts.sort((a, b) => a.arrival - b.arrival || (a.uri < b.uri ? -1 : 1));
  return { posts, truth, traps, vocab };
}

/** Vocabulary indices of the existing words the traps use: periodic, spammed, ramp, ring. */
const TRAP_WORDS = [5, 30, 40, 60];

/** Expected posts per minute of vocabulary word `i` (about 5 words a post). */
function expectedPerMinute(cdf: Float64Array, i: number, rate: number): number {
  return (cdf[i] - (i ? cdf[i - 1] : 0)) * rate * 60 * 5;
}

function cumulative(n: number): Float64Array {
  const c = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) c[i] = s += 1 / (i + 1);
  for (let i = 0; i < n; i++) c[i] /= s;
  return c;
}

function bisect(cdf: Float64Array, x: number): number {
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
