/**
 * Classifier backends for posts: sentiment, entities, topics and asset class.
 *
 * - `local` (the default): offline AFINN lexicon plus patterns and gazetteers; pure and fast.
 * - `ollama`: an LLM through Ollama's HTTP API with the classification schema as structured
 *   output; bounded concurrency, per-request timeout, retries, and the local backend as fallback.
 *
 * Both answer one `Labelled` classification per post, in order, naming the model that made it.
 */
import type { Config } from "../../lib/config.ts";
import type { Logger } from "../../lib/log.ts";
import { CircuitBreakerClassifier } from "./breaker.ts";
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

/** The process configuration's Ollama client and circuit-breaker settings. */
export type OllamaConfig = Pick<
  Config,
  | "OLLAMA_URL"
  | "OLLAMA_MODEL"
  | "OLLAMA_TIMEOUT_MS"
  | "OLLAMA_CONCURRENCY"
  | "OLLAMA_BREAKER_FAILURES"
  | "OLLAMA_BREAKER_COOLDOWN_MS"
  | "OLLAMA_SLOW_MS"
>;

/**
 * Ollama as configured (falling back to local per request), behind the configured breaker: a
 * slow or hanging Ollama holds a batch for at most `OLLAMA_SLOW_MS`, then local takes over until
 * a probe finds it answering again. `client` is the bare client, for a start-up ping.
 */
export function configuredOllama(c: OllamaConfig, logger: Logger) {
  const client = createClassifier({
    backend: "ollama",
    ollamaUrl: c.OLLAMA_URL,
    ollamaModel: c.OLLAMA_MODEL,
    ollamaTimeoutMs: c.OLLAMA_TIMEOUT_MS,
    ollamaConcurrency: c.OLLAMA_CONCURRENCY,
    logger,
  }) as OllamaClassifier;
  const classifier = new CircuitBreakerClassifier(client, {
    failures: c.OLLAMA_BREAKER_FAILURES,
    cooldownMs: c.OLLAMA_BREAKER_COOLDOWN_MS,
    slowMs: c.OLLAMA_SLOW_MS,
    logger,
  });
  return { client, classifier };
}
