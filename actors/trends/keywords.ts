/**
 * Keywords of a post, one canonical form per topic so that one event is one keyword:
 * - stop words of the post's own languages (`langs`, npm `stopword`; English when none is
 *   given), so German "war" or "die" stays in an English post;
 * - `#tag` and the word `tag` are the same keyword `tag`; English plurals fold to the singular
 *   (npm `pluralize`, memoised): "elections" and "#election" are `election`;
 * - cashtags stay with their `$` (`$nvda`) and short all-caps tokens (AI, UK, ETF, US) are kept
 *   whatever their length or stop-word status, lowercased (unless the whole post is shouted);
 * - contractions are function words and go ("won't", "they're"); a possessive drops its "'s";
 * - Chinese, Japanese and Korean runs are split into words with `Intl.Segmenter`; a CJK word is
 *   kept when it has two characters or more and is not all hiragana (particles, endings);
 * - URLs, mentions, numbers and Latin words shorter than `minLength` are dropped;
 * optionally two-word phrases of neighbouring kept words. Each keyword once.
 */
import pluralize from "pluralize";
import * as stop from "stopword";

export interface KeywordOptions {
  /** Shortest Latin word kept, in characters. Default 3. */
  minLength?: number;
  /** Also emit "a b" phrases of neighbouring words. Default false. */
  bigrams?: boolean;
  /** The post's languages (BCP-47, as in a Bluesky post's `langs`). Default English. */
  langs?: string[];
}

const ISO3: Record<string, string> = {
  en: "eng",
  es: "spa",
  de: "deu",
  fr: "fra",
  pt: "por",
  it: "ita",
  nl: "nld",
  ja: "jpn",
  zh: "zho",
  ko: "kor",
  ru: "rus",
  pl: "pol",
  sv: "swe",
  tr: "tur",
  fi: "fin",
  da: "dan",
  nb: "nob",
  no: "nob",
  id: "ind",
  ca: "cat",
  uk: "ukr",
  ar: "ara",
};
/** Function words the `stopword` English list lacks, frequent enough to flood a ranking. */
const ENGLISH_EXTRA = [
  "not",
  "just",
  "can",
  "get",
  "got",
  "one",
  "would",
  "could",
  "should",
  "also",
];
const STOP_SETS = new Map<string, Set<string>>();

function stopWords(lang: string): Set<string> {
  const code = ISO3[lang.slice(0, 2).toLowerCase()] ?? "eng";
  let s = STOP_SETS.get(code);
  if (!s) {
    const list: string[] = (stop as unknown as Record<string, string[] | undefined>)[code] ??
      stop.eng;
    const extra = code === "eng" ? ENGLISH_EXTRA : [];
    s = new Set([...list, ...extra].map((w: string) => w.toLowerCase().replace(/’/g, "'")));
    STOP_SETS.set(code, s);
  }
  return s;
}

const singulars = new Map<string, string>();
/** English singular of a lowercase word (memoised; the cache is cleared when it grows large). */
function singular(w: string): string {
  let s = singulars.get(w);
  if (s === undefined) {
    // "-ss" ("boss", "chess") and short words are not plurals; pluralize is right on the rest.
    s = w.length > 3 && w.endsWith("s") && !w.endsWith("ss") ? pluralize.singular(w) : w;
    if (singulars.size > 50_000) singulars.clear();
    singulars.set(w, s);
  }
  return s;
}

/** Any character past ASCII (CJK text has some): the CJK pass is skipped without one. */
const NOT_ASCII = /[^\p{ASCII}]/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]+/gu;
const HIRAGANA_ONLY = /^[\p{Script=Hiragana}ー]+$/u;
const segmenters = new Map<string, Intl.Segmenter>();

function cjkWords(run: string, lang: string): string[] {
  let seg = segmenters.get(lang);
  if (!seg) segmenters.set(lang, seg = new Intl.Segmenter(lang, { granularity: "word" }));
  const out: string[] = [];
  for (const s of seg.segment(run)) {
    if (s.isWordLike && [...s.segment].length >= 2 && !HIRAGANA_ONLY.test(s.segment)) {
      out.push(s.segment);
    }
  }
  return out;
}

/** A Latin token (original case) to its keyword, or null when it is not one. */
function latin(
  token: string,
  stops: Set<string>[],
  english: boolean,
  minLength: number,
  shouting: boolean,
): string | null {
  if (/^\p{N}+$/u.test(token)) return null;
  // Short all-caps tokens are acronyms or tickers: AI, UK, ETF.
  if (!shouting && /^\p{Lu}[\p{Lu}\p{N}]{1,4}$/u.test(token)) return token.toLowerCase();
  let w = token.toLowerCase();
  if (w.includes("'")) {
    if (/'s$/.test(w)) w = w.slice(0, -2);
    else if (/(n't|'re|'ll|'ve|'d|'m)$/.test(w)) return null;
    else w = w.replace(/'/g, "");
  }
  if ([...w].length < minLength || stops.some((s) => s.has(w))) return null;
  return english ? singular(w) : w;
}

const memos = new Map<string, Map<string, string | null>>();

/** The token → keyword memo of one language set (cleared when it grows large). */
function tokenMemo(key: string): Map<string, string | null> {
  let m = memos.get(key);
  if (!m) {
    if (memos.size > 64) memos.clear();
    memos.set(key, m = new Map());
  }
  if (m.size > 100_000) m.clear();
  return m;
}

export function keywords(text: string, hashtags: string[] = [], o: KeywordOptions = {}): string[] {
  const minLength = o.minLength ?? 3;
  const langs = o.langs?.length ? o.langs : ["en"];
  const stops = langs.map(stopWords);
  const english = langs.some((l) => l.slice(0, 2).toLowerCase() === "en");
  const out = new Set<string>();
  // Each pass runs only when its trigger character is there: most posts have no URL, mention,
  // cashtag, hashtag or CJK text, and the passes were a third of the extraction's cost.
  let t = text.includes("’") ? text.replace(/’/g, "'") : text;
  if (t.includes("http")) t = t.replace(/https?:\/\/\S+/g, " ");
  if (t.includes("@")) t = t.replace(/(^|\s)@[\w.-]+/g, " ");
  const tag = (h: string) => {
    const w = h.toLowerCase();
    return english && /^\p{L}+$/u.test(w) ? singular(w) : w;
  };
  const cash = t.includes("$"), hash = t.includes("#");
  if (cash) {
    for (const m of t.matchAll(/(?:^|[^\p{L}\p{N}_$])\$(\p{L}{1,6})\b/gu)) {
      out.add(`$${m[1].toLowerCase()}`);
    }
  }
  if (hash) { for (const m of t.matchAll(/#([\p{L}\p{N}_]+)/gu)) out.add(tag(m[1])); }
  for (const h of hashtags) out.add(tag(h));
  if (cash || hash) t = t.replace(/[#$][\p{L}\p{N}_]+/gu, " ");
  const kept: string[] = [];
  if (NOT_ASCII.test(t)) {
    const cjkLang = langs.find((l) => /^(ja|zh|ko)/i.test(l)) ?? "ja";
    for (const run of t.match(CJK) ?? []) kept.push(...cjkWords(run, cjkLang));
    t = t.replace(CJK, " ");
  }
  const shouting = !/\p{Ll}/u.test(t) && /\p{Lu}{3}/u.test(t);
  // Tokens recur (word frequencies are Zipf): their keyword is memoised per language set.
  const memo = shouting ? undefined : tokenMemo(`${minLength}|${langs.join(",")}`);
  for (const token of t.split(/[^\p{L}\p{N}']+/u)) {
    if (!token) continue;
    let k = memo?.get(token);
    if (k === undefined) {
      const core = token.replace(/^'+|'+$/g, "");
      k = core ? latin(core, stops, english, minLength, shouting) : null;
      memo?.set(token, k);
    }
    if (k) kept.push(k);
  }
  for (const w of kept) out.add(w);
  if (o.bigrams) {
    for (let i = 0; i + 1 < kept.length; i++) out.add(`${kept[i]} ${kept[i + 1]}`);
  }
  return [...out];
}
