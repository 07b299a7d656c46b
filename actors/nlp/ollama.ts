/**
 * The `ollama` backend (npm `ollama`): one non-streaming chat request per post, with the JSON
 * schema of `Classification` as `format` (structured output) and the answer validated with the
 * same zod schema. At most `concurrency` requests are in flight; each attempt has its own
 * timeout and failed attempts are retried with backoff. A post whose attempts all time out,
 * fail (HTTP error, connection refused) or answer invalid JSON is classified by the fallback
 * (local) backend instead and counted by reason, on the instance and in
 * `sluice_classifier_fallbacks_total{reason}`.
 *
 * When the caller's signal aborts (or `close()` is called), posts still waiting for Ollama are
 * classified by the fallback at once, so a stopping actor finishes its batch quickly; those are
 * not counted as Ollama failures, and their results name the fallback's model.
 */
import { Ollama } from "ollama";
import { z } from "zod";
import { AbortedError, UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { retry } from "../../lib/retry.ts";
import { Classification } from "../../schemas/social.ts";

import { Semaphore } from "./_semaphore.ts";
import { classifierFallbacks } from "./metrics.ts";
import type { Classifier, ClassifierInput, Labelled } from "./types.ts";

/** The prompts, kept as files under `prompts/` (sentiment, entities, asset class). */
const PROMPTS = ["sentiment.md", "entities.md", "asset_class.md"];

export const SYSTEM_PROMPT = PROMPTS.map((f) =>
  Deno.readTextFileSync(new URL(`./prompts/${f}`, import.meta.url)).trim()
).join("\n");

/** The `format` sent with every chat request. */
export const CLASSIFICATION_FORMAT = z.toJSONSchema(Classification);

export type FallbackReason = "timeout" | "error" | "invalid";

export interface OllamaOptions {
  /** Ollama's base URL. Default `http://127.0.0.1:11434`. */
  host?: string;
  /** Model to chat with. Default `granite3.3:2b`. */
  model?: string;
  /** Time allowed to each attempt, in ms, from sending to the whole answer. Default 10_000. */
  timeoutMs?: number;
  /** Requests in flight at most. Default 2. */
  concurrency?: number;
  /** Attempts after the first one. Default 2. */
  retries?: number;
  /** Delay before the first retry in ms, doubling after. Default 200. */
  retryInitialMs?: number;
  /** Classifies the posts Ollama could not. */
  fallback: Classifier;
  logger?: Logger;
}

/** Ollama did not give a usable answer; `reason` is the fallback label it is counted under. */
export class OllamaFailure extends UpstreamError {
  readonly reason: FallbackReason;
  constructor(
    reason: FallbackReason,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(`OLLAMA_${reason.toUpperCase()}`, message, options);
    this.reason = reason;
  }
}

type Settings = Required<Omit<OllamaOptions, "logger" | "fallback">>;

export class OllamaClassifier implements Classifier {
  readonly model: string;
  /** Posts handed to the fallback because Ollama failed, by reason. */
  readonly fallbacks: Record<FallbackReason, number> = { timeout: 0, error: 0, invalid: 0 };
  readonly #s: Settings;
  readonly #fallback: Classifier;
  readonly #logger?: Logger;
  readonly #slots: Semaphore;
  readonly #closed = new AbortController();

  constructor(options: OllamaOptions) {
    this.#s = {
      host: options.host ?? "http://127.0.0.1:11434",
      model: options.model ?? "granite3.3:2b",
      timeoutMs: options.timeoutMs ?? 10_000,
      concurrency: options.concurrency ?? 2,
      retries: options.retries ?? 2,
      retryInitialMs: options.retryInitialMs ?? 200,
    };
    if (!(this.#s.timeoutMs > 0)) throw new RangeError("Ollama timeoutMs must be positive");
    if (!(this.#s.retries >= 0)) throw new RangeError("Ollama retries must be 0 or more");
    this.#slots = new Semaphore(this.#s.concurrency);
    this.#fallback = options.fallback;
    this.#logger = options.logger;
    this.model = `ollama:${this.#s.model}`;
  }

  /** The model names Ollama has (`GET /api/tags`); one attempt, within `timeoutMs`. */
  async ping(): Promise<string[]> {
    const tags = await this.#request(this.#closed.signal, (client) => client.list());
    return tags.models.map((m) => m.name);
  }

  async classify(posts: ClassifierInput[], signal?: AbortSignal): Promise<Labelled[]> {
    const stop = signal ? AbortSignal.any([signal, this.#closed.signal]) : this.#closed.signal;
    const failed: Record<FallbackReason, number> = { timeout: 0, error: 0, invalid: 0 };
    const results = await Promise.all(posts.map(async (post) => {
      const outcome = await this.#attempt(post, stop);
      if (!(outcome instanceof Error)) return { ...outcome, model: this.model };
      // An attempt cut short by `stop` is not an Ollama failure; a last attempt that failed is.
      if (outcome instanceof OllamaFailure || !stop.aborted) {
        const reason = outcome instanceof OllamaFailure ? outcome.reason : "error";
        failed[reason]++;
        this.fallbacks[reason]++;
        classifierFallbacks.inc({ reason });
        this.#logger?.debug("Ollama failed; classifying locally", { uri: post.uri, err: outcome });
      }
      const [local] = await this.#fallback.classify([post]);
      return local;
    }));
    const n = failed.timeout + failed.error + failed.invalid;
    if (n > 0) this.#logger?.warn("Ollama failed for some posts; classified locally", failed);
    return results;
  }

  /** Aborts requests in flight; their posts, and any classified later, go to the fallback. */
  close(): Promise<void> {
    this.#closed.abort(new AbortedError("Ollama classifier closed"));
    return Promise.resolve();
  }

  /** Ollama's classification, or the error of the last attempt. */
  async #attempt(post: ClassifierInput, stop: AbortSignal): Promise<Classification | Error> {
    try {
      return await retry(() => this.#slots.use(() => this.#ask(post, stop), stop), {
        retries: this.#s.retries,
        initialMs: this.#s.retryInitialMs,
        signal: stop,
        onRetry: (err, attempt, delayMs) =>
          this.#logger?.debug("Ollama attempt failed; retrying", {
            uri: post.uri,
            attempt,
            delayMs,
            err,
          }),
      });
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  async #ask(post: ClassifierInput, stop: AbortSignal): Promise<Classification> {
    const res = await this.#request(stop, (client) =>
      client.chat({
        model: this.#s.model,
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: post.text },
        ],
        format: CLASSIFICATION_FORMAT,
        stream: false,
        options: { temperature: 0 },
      }));
    return parseAnswer(res.message?.content ?? "");
  }

  /**
   * Runs one client call within `timeoutMs`. The npm client's own `abort()` reaches only
   * streamed requests, and all of an instance's at once, so each call gets a client of its own
   * whose `fetch` carries this call's signal (timeout or `stop`); it also turns an HTTP error
   * status into an `OllamaFailure` (5xx and 429 retriable, other 4xx not).
   */
  async #request<T>(stop: AbortSignal, call: (client: Ollama) => Promise<T>): Promise<T> {
    const timeout = new AbortController();
    const timer = setTimeout(() => {
      timeout.abort(
        new OllamaFailure("timeout", `Ollama did not answer within ${this.#s.timeoutMs} ms`),
      );
    }, this.#s.timeoutMs);
    const signal = AbortSignal.any([timeout.signal, stop]);
    const client = new Ollama({
      host: this.#s.host,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const res = await fetch(input, { ...init, signal });
        if (res.ok) return res;
        const body = await res.text();
        throw new OllamaFailure("error", `Ollama answered HTTP ${res.status}`, {
          retriable: res.status >= 500 || res.status === 429,
          cause: body.slice(0, 500),
        });
      },
    });
    try {
      return await call(client);
    } catch (err) {
      if (err instanceof OllamaFailure) throw err;
      if (timeout.signal.aborted) throw timeout.signal.reason;
      if (stop.aborted) throw new AbortedError("Ollama request abandoned", stop.reason);
      throw new OllamaFailure("error", "Ollama request failed", { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The model's message as a `Classification`; malformed or off-schema answers are invalid. */
export function parseAnswer(content: string): Classification {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    throw new OllamaFailure("invalid", "Ollama answered malformed JSON", { cause: err });
  }
  const parsed = Classification.safeParse(json);
  if (!parsed.success) {
    throw new OllamaFailure("invalid", "Ollama's answer does not match the classification schema", {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
