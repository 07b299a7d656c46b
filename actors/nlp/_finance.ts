/**
 * What makes the local backend finance-aware: the AFINN-165 financial-market-news word list
 * (npm `afinn-165-financialmarketnews`, AFINN re-scored for market news) with a few corrections,
 * the verbs of price moves, and phrase rules for the direction words of markets (beat/miss
 * estimates, raise/cut guidance, upgrade/downgrade, hike/cut rates, record high/low, up/down n %).
 * A phrase is replaced by one marker token carrying its valence, so the lexicon does not count
 * its words again and npm `sentiment`'s negation still applies ("did not raise guidance").
 */
import { afinn165FinancialMarketNews } from "afinn-165-financialmarketnews";

/** Marker tokens: `fpos1`…`fpos4`, `fneg1`…`fneg4`. */
const MARKERS: Record<string, number> = Object.fromEntries(
  [1, 2, 3, 4].flatMap((n) => [[`fpos${n}`, n], [`fneg${n}`, -n]]),
);

/** Words scored for markets, over AFINN's general valence. */
const MARKET_WORDS: Record<string, number> = {
  // Nouns AFINN reads as positive that are only instruments or plain words in finance.
  gold: 0,
  share: 0,
  shares: 0,
  interest: 0,
  credit: 0,
  trust: 0,
  security: 0,
  securities: 0,
  fund: 0,
  funds: 0,
  yield: 0,
  yields: 0,
  reserve: 0,
  futures: 0,
  record: 0,
  high: 0,
  low: 0,
  top: 0,
  tops: 0,
  free: 0,
  care: 0,
  cuts: 0,
  cut: 0,
  upgrade: 0,
  ...verbs(3, ["soar", "soars", "soared", "soaring", "surge", "surges", "surged", "surging"]),
  ...verbs(3, ["skyrocket", "skyrockets", "skyrocketed", "blowout", "crushing"]),
  ...verbs(2, ["jump", "jumps", "jumped", "rally", "rallies", "rallied", "rebound", "rebounds"]),
  ...verbs(2, ["rebounded", "climb", "climbs", "climbed", "rise", "rises", "rose", "gain"]),
  ...verbs(2, ["gains", "gained", "advance", "advances", "advanced", "strengthens", "upbeat"]),
  ...verbs(2, ["bullish", "bulls", "outperform", "overweight", "beat", "beats", "profitable"]),
  ...verbs(2, ["cheer", "cheers", "eases", "cools", "improve", "improves", "accelerates"]),
  ...verbs(2, ["boosting", "boosts", "buyback", "moon", "breaking", "breakout", "inflows"]),
  ...verbs(-3, ["crash", "crashes", "crashed", "plunge", "plunges", "plunged", "plunging"]),
  ...verbs(-3, ["tumble", "tumbles", "tumbled", "slump", "slumps", "slumped", "collapse"]),
  ...verbs(-3, ["bankruptcy", "bankrupt", "liquidations", "selloff", "sell-off", "hack"]),
  ...verbs(-2, ["sink", "sinks", "sank", "slide", "slides", "slid", "fall", "falls", "fell"]),
  ...verbs(-2, ["drop", "drops", "dropped", "decline", "declines", "declined", "dip", "dips"]),
  ...verbs(-2, ["bearish", "bears", "underperform", "underweight", "miss", "misses", "missed"]),
  ...verbs(-2, ["weakens", "weak", "slows", "slowdown", "losses", "loss", "gloomy", "halts"]),
  ...verbs(-2, ["suspends", "widen", "outflows", "layoffs", "probe", "curbs", "worries"]),
  ...verbs(-2, ["hotter", "downgrade", "downgrades", "downgraded", "lawsuit", "loses", "lost"]),
};

function verbs(valence: number, words: string[]): Record<string, number> {
  return Object.fromEntries(words.map((w) => [w, valence]));
}

/** The lexicon handed to npm `sentiment` as `extras` (over its own AFINN-165). */
export const FINANCE_LEXICON: Record<string, number> = {
  ...afinn165FinancialMarketNews,
  ...MARKET_WORDS,
  ...MARKERS,
};

const UP = "(?:raises?|raised|raising|lifts?|lifted|boosts?|boosted|ups|hikes?|hiked)";
const DOWN = "(?:cuts?|cutting|lowers?|lowered|slashes|slashed|trims?|trimmed|reduces?|reduced)";
const OUTLOOK =
  "(?:guidance|outlook|forecasts?|targets?|estimates?|(?:profit|revenue|sales) forecasts?)";
const OBJ = `(?:its |the |full-year |annual |\\d{4} |fy )*`;
const PCT = "\\d+(?:\\.\\d+)?\\s?(?:%|percent|per cent|pct)";

/** Phrase → marker; applied in order, on lower-cased text. */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [new RegExp(`\\b${UP} ${OBJ}${OUTLOOK}`, "g"), "fpos3"],
  [new RegExp(`\\b${DOWN} ${OBJ}${OUTLOOK}`, "g"), "fneg3"],
  [
    /\b(?:rate|rates) (?:hikes?|increases?)\b|\b(?:hikes?|hiked|raises?|raised) (?:interest )?rates\b/g,
    "fneg2",
  ],
  [
    /\b(?:rate|rates) cuts?\b|\b(?:cuts?|lowers?|lowered|slashe[sd]) (?:interest )?rates\b/g,
    "fpos2",
  ],
  [
    /\b(?:beats?|topp?(?:ed|s)?|exceeds?|exceeded|surpass(?:es|ed)?) (?:\w+ )?(?:estimates|expectations|forecasts|consensus)\b/g,
    "fpos3",
  ],
  [
    /\b(?:miss(?:es|ed)?|falls? short of|fell short of) (?:\w+ )?(?:estimates|expectations|forecasts|consensus)\b/g,
    "fneg3",
  ],
  [/\b(?:record|all-time|\d+-(?:year|month|week)) highs?\b/g, "fpos2"],
  [/\b(?:record|all-time|\d+-(?:year|month|week)) lows?\b/g, "fneg2"],
  [/\bupgrades?d?\b/g, "fpos2"],
  [/\b(?:to|at) (?:buy|outperform|overweight)\b|\bstrong buy\b/g, "fpos2"],
  [/\b(?:to|at) (?:sell|underperform|underweight)\b/g, "fneg2"],
  [new RegExp(`\\b(?:up|higher|gains?|gained|adds?|added) ${PCT}`, "g"), "fpos2"],
  [new RegExp(`\\b(?:down|lower|off|loses?|lost|shed|sheds) ${PCT}`, "g"), "fneg2"],
  [new RegExp(`(?<![\\w.])\\+${PCT}`, "g"), "fpos2"],
  [new RegExp(`(?<![\\w.])[-−]${PCT}`, "g"), "fneg2"],
  [/\bsells? off\b|\bsell(?:ing)? pressure\b/g, "fneg3"],
];

/** Words that make a move stronger: the score is multiplied when one is present. */
const INTENSIFIERS =
  /\b(?:sharply|steeply|massively|sharp|steep|huge|massive|biggest|worst|best)\b/;
export const INTENSITY = 1.5;

/** The text with its market phrases replaced by markers, lower-cased for the lexicon. */
export function markPhrases(text: string): string {
  let out = text.toLowerCase();
  for (const [re, marker] of RULES) out = out.replace(re, ` ${marker} `);
  return out;
}

export function intensified(text: string): boolean {
  return INTENSIFIERS.test(text.toLowerCase());
}

/** A word before a scored word that flips it (npm `sentiment`'s English negators). */
export const NEGATORS: ReadonlySet<string> = new Set([
  "not",
  "no",
  "never",
  "cant",
  "can't",
  "cannot",
  "dont",
  "don't",
  "didnt",
  "didn't",
  "doesnt",
  "doesn't",
  "isnt",
  "isn't",
  "wasnt",
  "wasn't",
  "wont",
  "won't",
  "wouldnt",
  "wouldn't",
  "fails",
  "failed",
  "without",
]);
