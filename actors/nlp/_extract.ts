/**
 * Entities, topics and asset class by patterns and gazetteers: no model, a few regular
 * expressions per post. Known limits: organisations and places are found only if listed in
 * `_lexicons.ts`; people are guessed from runs of two or three capitalised words, so a
 * title-cased phrase can pass for a name and a single-word name ("Beyoncé") is missed; keywords
 * are matched without context ("olive oil" reads as a commodity).
 */
import type { Classification, PostData } from "../../schemas/social.ts";
import {
  ASSET_PATTERNS,
  CRYPTO_TICKERS,
  EQUITY_TICKERS,
  FED,
  FOREX_TICKERS,
  NOT_NAME_WORDS,
  ORGANISATIONS,
  PLACES,
  TITLES,
  TOPIC_PATTERNS,
} from "./_lexicons.ts";

export type Entities = Classification["entities"];
type AssetClass = Classification["asset_class"];

/** Cashtags: `$` then 1–5 capitals, not inside a word or an amount (`US$5`, `$AAPLX1`). */
const TICKER = /(?<![\p{L}\p{N}$])\$([A-Z]{1,5})(?![\p{L}\p{N}_])/gu;
/** `#tag` at the start or after a space (not `C#`, not a URL fragment), not only digits. */
const HASHTAG = /(?<!\S)#(?!\d+(?![\p{L}\p{N}_]))([\p{L}\p{N}_]+)/gu;
/** Capitalised words ("O'Brien", "Jean-Luc"); a possessive "'s" is left out. */
const NAME_RUN = /\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}\p{Ll}+)?(?: \p{Lu}\p{Ll}+(?:[-'’]\p{Lu}\p{Ll}+)?)+/gu;
/** Well-known tickers written without `$` (`BTC`, `NVDA`): upper case, a word of their own. */
const BARE_TICKER = new RegExp(
  `(?<![\\p{L}\\p{N}$])(${[...CRYPTO_TICKERS, ...EQUITY_TICKERS].join("|")})(?![\\p{L}\\p{N}_])`,
  "gu",
);
const ORGANISATION = gazetteer(ORGANISATIONS);
const PLACE = gazetteer(PLACES);
const KNOWN = new Set([...ORGANISATIONS, ...PLACES].flatMap((s) => s.split(" ")));
const MAX_TOPICS = 5;

function gazetteer(names: string[]): RegExp {
  const escaped = names.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  // Longest first, so "New York" is not cut to "New"; case-sensitive on purpose ("Apple", not
  // "apple").
  escaped.sort((a, b) => b.length - a.length);
  return new RegExp(`(?<![\\p{L}\\p{N}])(${escaped.join("|")})(?![\\p{L}\\p{N}])`, "gu");
}

function unique(xs: Iterable<string>): string[] {
  return [...new Set(xs)];
}

function matches(text: string, re: RegExp): string[] {
  return unique(Array.from(text.matchAll(re), (m) => m[1]));
}

/** People: runs of 2–3 capitalised words after dropping titles, none a stop word or known name. */
function people(text: string): string[] {
  const out: string[] = [];
  for (const [run] of text.matchAll(NAME_RUN)) {
    const words = run.split(" ");
    while (words.length > 0 && (TITLES.has(words[0]) || NOT_NAME_WORDS.has(words[0]))) {
      words.shift();
    }
    if (words.length < 2 || words.length > 3) continue;
    if (words.some((w) => NOT_NAME_WORDS.has(w) || TITLES.has(w) || KNOWN.has(w))) continue;
    out.push(words.join(" "));
  }
  return unique(out);
}

export function extractEntities(post: Pick<PostData, "text" | "hashtags">): Entities {
  const { text } = post;
  return {
    people: people(text),
    organisations: matches(text, ORGANISATION),
    places: matches(text, PLACE),
    tickers: unique([...matches(text, TICKER), ...matches(text, BARE_TICKER)]).map((t) => `$${t}`),
    hashtags: unique([
      ...post.hashtags.map((h) => h.replace(/^#/, "").toLowerCase()),
      ...matches(text, HASHTAG).map((h) => h.toLowerCase()),
    ]),
  };
}

/**
 * Cashtags decide first (a crypto or currency cashtag, else any cashtag means a stock); then
 * keywords in the text and hashtags, in the precedence of `ASSET_PATTERNS`.
 */
export function assetClass(text: string, entities: Entities): AssetClass {
  const symbols = entities.tickers.map((t) => t.slice(1));
  if (symbols.some((s) => CRYPTO_TICKERS.has(s))) return "crypto";
  if (symbols.some((s) => FOREX_TICKERS.has(s))) return "forex";
  if (symbols.length > 0) return "equity";
  const tags = entities.hashtags.join(" ");
  for (const [cls, re] of ASSET_PATTERNS) {
    if (re.test(text) || re.test(tags)) return cls;
  }
  return FED.test(text) ? "macro" : "none";
}

/** Topic words that match, then the first hashtags, at most `MAX_TOPICS`. */
export function topics(text: string, entities: Entities): string[] {
  const found = TOPIC_PATTERNS.filter(([, re]) => re.test(text)).map(([t]) => t);
  return unique([...found, ...entities.hashtags]).slice(0, MAX_TOPICS);
}
