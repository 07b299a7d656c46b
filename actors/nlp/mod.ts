/**
 * Classifier backends for posts: sentiment, entities, topics and asset class.
 *
 * - `local` (the default): offline AFINN lexicon plus patterns and gazetteers; pure and fast.
 * - `ollama`: an LLM through Ollama's HTTP API with the classification schema as structured
 *   output; bounded concurrency, per-request timeout, retries, and the local backend as fallback.
 *
 * Both answer one `Labelled` classification per post, in order, naming the model that made it.
 */
import type { Logger } from "../../lib/log.ts";
import { LocalClassifier } from "./local.ts";
import { OllamaClassifier } from "./ollama.ts";
import type { Classifier } from "./types.ts";

export type { Classifier, ClassifierInput, Labelled } from "./types.ts";
export { assetClass } from "./_extract.ts";
export {
  classifyLocal,
  isEnglish,
  LOCAL_MODEL,
  LocalClassifier,
  NON_ENGLISH_CONFIDENCE,
  polarity,
  POLARITY_THRESHOLD,
} from "./local.ts";
export {
  CLASSIFICATION_FORMAT,
  type FallbackReason,
  OllamaClassifier,
  OllamaFailure,
  type OllamaOptions,
  parseAnswer,
  SYSTEM_PROMPT,
} from "./ollama.ts";
export { classifierFallbacks } from "./metrics.ts";

export interface ClassifierConfig {
  backend: "local" | "ollama";
  /** Default `http://127.0.0.1:11434`. */
  ollamaUrl?: string;
  /** Default `granite3.3:2b`. */
  ollamaModel?: string;
  /** Per request, in ms. Default 10_000. */
  ollamaTimeoutMs?: number;
  /** Requests in flight at most. Default 2. */
  ollamaConcurrency?: number;
  logger?: Logger;
}

/** The configured backend; `ollama` falls back to a `local` one. */
export function createClassifier(config: ClassifierConfig): Classifier {
  const local = new LocalClassifier();
  if (config.backend === "local") return local;
  if (config.backend !== "ollama") {
    throw new RangeError(`Unknown classifier backend: ${String(config.backend)}`);
  }
  return new OllamaClassifier({
    host: config.ollamaUrl,
    model: config.ollamaModel,
    timeoutMs: config.ollamaTimeoutMs,
    concurrency: config.ollamaConcurrency,
    fallback: local,
    logger: config.logger,
  });
}
export { type BreakerOptions, type BreakerState, CircuitBreakerClassifier } from "./breaker.ts";
