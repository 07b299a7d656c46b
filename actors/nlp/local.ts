/**
 * The `local` backend: offline, deterministic, no I/O. Sentiment comes from npm `sentiment`
 * (the AFINN-165 word list, with negation and emoji): measured here at about 430,000 short
 * posts/s on one core, against about 16,000/s for wink-nlp with wink-eng-lite-web-model (whose
 * lite model has no person or organisation recogniser anyway) and about 1,300/s for compromise.
 * A lexicon cannot read sarcasm or context, but it is fast, predictable and needs no model
 * download. AFINN is English-only, so a post whose `langs` name no English is marked neutral
 * with low confidence instead of guessed. Entities, topics and asset class come from patterns
 * and small gazetteers (see `_extract.ts` for their limits).
 */
import Sentiment from "sentiment";
import type { Classification, PostData } from "../../schemas/social.ts";
import { assetClass, extractEntities, topics } from "./_extract.ts";
import { FINANCE_LEXICON, intensified, INTENSITY, markPhrases, NEGATORS } from "./_finance.ts";
import type { Classifier, ClassifierInput, Labelled } from "./types.ts";

export const LOCAL_MODEL = "local:afinn-165-fin";
/** |score| at or above this is positive or negative; below it, neutral. */
export const POLARITY_THRESHOLD = 0.1;
/** Confidence given to posts not in English (always neutral). */
export const NON_ENGLISH_CONFIDENCE = 0.1;

/** The part of npm `sentiment`'s result used here (the package ships no types). */
interface AfinnResult {
  comparative: number;
  /** One `{ word: valence }` per lexicon word found, after negation. */
  calculation: Array<Record<string, number>>;
}

interface Afinn {
  analyze(text: string, options: { language: string }): AfinnResult;
  registerLanguage(code: string, language: unknown): void;
}

const afinn: Afinn = new Sentiment();
// A language of its own, registered once: `extras` would copy the whole lexicon on every call.
afinn.registerLanguage("en-fin", {
  labels: { ...FINANCE_LEXICON },
  scoringStrategy: {
    apply: (tokens: string[], cursor: number, score: number) =>
      cursor > 0 && NEGATORS.has(tokens[cursor - 1]) ? -score : score,
  },
});

/** English, or no language given (most posts without `langs` are English). */
export function isEnglish(post: Pick<PostData, "langs">): boolean {
  return post.langs.length === 0 || post.langs.some((l) => /^en(?:$|[-_])/i.test(l));
}

type Polarity = Pick<Classification, "sentiment" | "score" | "confidence">;

/**
 * AFINN's comparative score (valence per token) squashed into [-1, 1] by tanh(2x). Confidence
 * is higher when several sentiment words agree, lower when they pull both ways, and 0.5 when
 * the lexicon found nothing to go on.
 */
export function polarity(text: string): Polarity {
  const r = afinn.analyze(markPhrases(text), { language: "en-fin" });
  let pos = 0;
  let neg = 0;
  for (const item of r.calculation) {
    for (const word in item) {
      if (item[word] > 0) pos += item[word];
      else neg -= item[word];
    }
  }
  const hits = r.calculation.length;
  const boost = intensified(text) ? INTENSITY : 1;
  const score = Math.tanh(2 * boost * r.comparative);
  const sentiment = score >= POLARITY_THRESHOLD
    ? "positive"
    : score <= -POLARITY_THRESHOLD
    ? "negative"
    : "neutral";
  let confidence = 0.5;
  if (sentiment !== "neutral") {
    const agreement = Math.abs(pos - neg) / (pos + neg);
    confidence = Math.min(
      0.95,
      0.3 + 0.3 * agreement + 0.1 * Math.min(hits, 3) + 0.1 * Math.abs(score),
    );
  } else if (hits > 0) {
    confidence = 0.4;
  }
  return { sentiment, score: round(score), confidence: round(confidence) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Classifies one post; pure. */
export function classifyLocal(post: Pick<PostData, "text" | "langs" | "hashtags">): Classification {
  const entities = extractEntities(post);
  const p: Polarity = isEnglish(post)
    ? polarity(post.text)
    : { sentiment: "neutral", score: 0, confidence: NON_ENGLISH_CONFIDENCE };
  return {
    ...p,
    entities,
    topics: topics(post.text, entities),
    asset_class: assetClass(post.text, entities),
  };
}

export class LocalClassifier implements Classifier {
  readonly model = LOCAL_MODEL;

  classify(posts: ClassifierInput[]): Promise<Labelled[]> {
    return Promise.resolve(posts.map((p) => ({ ...classifyLocal(p), model: this.model })));
  }
}
