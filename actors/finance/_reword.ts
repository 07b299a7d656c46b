/**
 * The second near-duplicate rule, for a repeat in other words (a rephrased wire headline, a
 * retweet with a comment), which the first rule (Jaccard of word shingles ≥ 0.95) cannot see:
 * two texts are the same item again when they state the same facts and share most of their
 * words. A text's gist is
 *
 * - its key terms, which must be equal: numbers (`3%`, `60000`), tickers (`$ETH`, `ECB`), names
 *   written capitalised inside a sentence, known organisations, places and instruments (gold,
 *   bitcoin, the euro), and the sequence of its market directions (rise/fall, beat/miss,
 *   upgrade/downgrade, higher/lower, each negated by a preceding "not"), so another ticker,
 *   number, instrument or direction is never a repeat;
 * - its opening names (a capitalised first word of a sentence that is not a known entity: the
 *   name or the comment word that opens it); those of the shorter text must all be in the other;
 * - its words: lower case, stemmed (Porter), stop words dropped, `shares`/`stock` as one word;
 *   their Jaccard index must reach `REWORD_THRESHOLD`.
 *
 * Pure: no I/O. Precision and recall on the labelled pairs are in the README.
 */
import { stemmer } from "stemmer";
import { eng } from "stopword";
import { ASSET_PATTERNS, ORGANISATIONS, PLACES } from "../nlp/_lexicons.ts";

/** Jaccard index of the words at or above which two texts with the same facts are one item. */
export const REWORD_THRESHOLD = 0.5;

export interface Gist {
  /** Key terms, sorted, unique. */
  keys: string[];
  /** Opening names, unique. */
  opening: string[];
  /** Words, unique. */
  words: string[];
}

const STOP = new Set(eng);
const NEGATORS = new Set(["not", "no", "never", "without"]);
const UP = new Set(
  "rise rose risen gain climb jump surg soar ralli rebound higher high beat top upgrad rais lift hike boost advanc spike strengthen strong outperform"
    .split(" "),
);
const DOWN = new Set(
  "fall fell drop slide slid sink sank tumbl plung plummet slump crash declin lower low miss cut downgrad weaken weak dip shed lose lost underperform"
    .split(" "),
);
const SYNONYMS: Record<string, string> = { share: "stock", equiti: "stock" };
const ENTITIES = new Set(
  [...ORGANISATIONS, ...PLACES].flatMap((s) => s.toLowerCase().split(" ")),
);
/** Instruments (crypto, commodities, currencies), matched once per text. */
const INSTRUMENTS = ASSET_PATTERNS.filter(([a]) => a !== "equity" && a !== "macro")
  .map(([, r]) => new RegExp(r.source, "giu"));

function instrumentWords(lower: string): Set<string> {
  const out = new Set<string>();
  for (const r of INSTRUMENTS) for (const m of lower.matchAll(r)) out.add(m[0]);
  return out;
}
const NOT_TICKERS = new Set(["RT", "UPDATE", "BREAKING", "I", "A"]);

/** Links, mentions, a retweet marker anywhere, a wire tag first, a wire source last. */
function clean(text: string): string {
  return text
    .replace(/https?:\/\/\S+|www\.\S+/gi, " ")
    .replace(/\bRT\s+@[\w.-]+:?/g, ". ")
    .replace(/@[\w.-]+/g, " ")
    .replace(/^\s*(?:BREAKING|JUST IN|UPDATE(?:\s*\d+)?|FLASH|ALERT)\s*[:\-–—]\s*/i, "")
    .replace(/\s+[-–—|]\s+\p{Lu}[\p{L}.&]*(?:\s\p{Lu}[\p{L}.&]*){0,2}\s*$/u, "");
}

const stems = new Map<string, string>();

/** Porter stems, remembered: news repeats its words, and stemming is a chain of regexes. */
function stemmed(word: string): string {
  let out = stems.get(word);
  if (out === undefined) {
    out = stemmer(word);
    // Bounded: cleared, not evicted one by one, as a full cache is rare and refills fast.
    if (stems.size >= 50_000) stems.clear();
    stems.set(word, out);
  }
  return out;
}

const TOKEN = /\$?\p{N}[\p{N},.]*%?|\$?[\p{L}][\p{L}\p{N}]*(?:['’]\p{L}+)?/gu;

export function gist(text: string): Gist {
  const t = clean(text);
  const instruments = instrumentWords(t.toLowerCase());
  const keys = new Set<string>();
  const opening = new Set<string>();
  const words = new Set<string>();
  const directions: string[] = [];
  let negated = false;
  let last = 0;
  let first = true;
  for (const m of t.matchAll(TOKEN)) {
    const raw = m[0].replace(/['’]s$/i, "").replace(/[.,]+$/, "");
    // A sentence starts at the text's start, after . ! ? : ; or after an emoji or a dash.
    const initial = first || /[.!?:;–—]|[^\p{L}\p{N}\s,'"’()&$%-]/u.test(t.slice(last, m.index));
    first = false;
    last = m.index + m[0].length;
    const lower = raw.toLowerCase();
    if (NEGATORS.has(lower)) {
      negated = true;
      continue;
    }
    let word: string;
    let key = false;
    if (/\p{N}/u.test(raw)) {
      word = raw.replace(/^\$/, "").replace(/(?<=\d),(?=\d)/g, "");
      key = true;
    } else {
      const stem = stemmed(lower.replace(/^\$/, ""));
      const direction = UP.has(stem) ? "up" : DOWN.has(stem) ? "down" : null;
      if (direction) {
        const d = negated ? `not_${direction}` : direction;
        if (directions.at(-1) !== d) directions.push(d);
        words.add(d);
        negated = false;
        continue;
      }
      if (STOP.has(lower)) continue;
      word = SYNONYMS[stem] ?? stem;
      const ticker = raw.startsWith("$") ||
        (/^\p{Lu}{2,}$/u.test(raw) && !NOT_TICKERS.has(raw));
      const capital = /^\p{Lu}/u.test(raw);
      const known = ENTITIES.has(lower) || instruments.has(lower);
      key = ticker || known || (capital && !initial);
      if (capital && initial && !key) opening.add(word);
    }
    if (negated) word = `not_${word}`;
    negated = false;
    if (key) keys.add(word);
    words.add(word);
  }
  if (directions.length) keys.add(`dir:${directions.join(">")}`);
  return { keys: [...keys].sort(), opening: [...opening], words: [...words] };
}

/** The bucket of texts that may be repeats of each other: their key terms. */
export function gistKey(g: Gist): string {
  return g.keys.join(" ");
}

/** The Jaccard index of the words when `a` and `b` may be one item, else 0. */
export function rewordSimilarity(a: Gist, b: Gist): number {
  if (gistKey(a) !== gistKey(b)) return 0;
  const [short, long] = a.words.length <= b.words.length ? [a, b] : [b, a];
  const longWords = new Set(long.words);
  if (!short.opening.every((w) => longWords.has(w))) return 0;
  let both = 0;
  for (const w of a.words) if (b.words.includes(w)) both++;
  const union = a.words.length + b.words.length - both;
  return union === 0 ? 1 : both / union;
}

/** 4 × 32 bits of the key terms (for the list's key). */
export function keyHash(key: string): Uint32Array {
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    let h = 0x811c9dc5 ^ Math.imul(i + 1, 0x9e3779b9);
    for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
    out[i] = h >>> 0;
  }
  return out;
}

/** Terms hold no space or tab: keys, opening names and words joined by spaces, tab-separated. */
export function encodeGist(g: Gist): string {
  return `${g.keys.join(" ")}\t${g.opening.join(" ")}\t${g.words.join(" ")}`;
}

export function decodeGist(s: string): Gist | null {
  const parts = s.split("\t");
  if (parts.length !== 3) return null;
  const [keys, opening, words] = parts.map((x) => (x ? x.split(" ") : []));
  return { keys, opening, words };
}
