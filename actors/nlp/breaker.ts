/**
 * A circuit breaker around a backend with a fallback (Ollama with local): each call gets at most
 * `slowMs` (then the backend is asked to stop, and what it had not classified goes to its
 * fallback at once); `failures` failing calls in a row (a slow call, or any text the backend
 * handed to its fallback) open the circuit, and while open every call goes to `fallback`
 * directly. After `cooldownMs` one call probes the backend (half-open): success closes the
 * circuit, failure opens it for another cooldown. So a hanging Ollama holds a batch for at most
 * `slowMs`, and only the first few batches.
 */
import client from "prom-client";
import type { Logger } from "../../lib/log.ts";
import { registry } from "../../lib/metrics.ts";
import { LocalClassifier } from "./local.ts";
import type { Classifier, ClassifierInput, Labelled } from "./types.ts";

export type BreakerState = "closed" | "open" | "half-open";

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, "half-open": 2 };

export const breakerState = new client.Gauge({
  name: "sluice_classifier_breaker_state",
  help: "The Ollama circuit breaker: 0 closed, 1 open (local only), 2 half-open (probing)",
  labelNames: ["model"],
  registers: [registry],
});

export const classifierLatency = new client.Histogram({
  name: "sluice_classifier_call_seconds",
  help: "Time of one classifier call (a batch of texts), by model",
  labelNames: ["model"],
  buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10],
  registers: [registry],
});

export interface BreakerOptions {
  /** Failing calls in a row that open the circuit. Default 3. */
  failures?: number;
  /** How long the circuit stays open before a probe, in ms. Default 30_000. */
  cooldownMs?: number;
  /** Time allowed to one call, in ms. Default 5_000. */
  slowMs?: number;
  /** Used while open. Default: a local classifier. */
  fallback?: Classifier;
  logger?: Logger;
  /** The clock, for tests. Default `Date.now`. */
  now?: () => number;
}

export class CircuitBreakerClassifier implements Classifier {
  readonly model: string;
  readonly #inner: Classifier;
  readonly #fallback: Classifier;
  readonly #o: Required<Omit<BreakerOptions, "fallback" | "logger">>;
  readonly #logger?: Logger;
  #state: BreakerState = "closed";
  #failed = 0;
  #openedAt = 0;
  #probing = false;

  constructor(inner: Classifier, o: BreakerOptions = {}) {
    this.#inner = inner;
    this.model = inner.model;
    this.#fallback = o.fallback ?? new LocalClassifier();
    this.#logger = o.logger;
    this.#o = {
      failures: o.failures ?? 3,
      cooldownMs: o.cooldownMs ?? 30_000,
      slowMs: o.slowMs ?? 5_000,
      now: o.now ?? Date.now,
    };
    breakerState.set({ model: this.model }, 0);
  }

  get state(): BreakerState {
    if (this.#state === "open" && this.#o.now() - this.#openedAt >= this.#o.cooldownMs) {
      return "half-open";
    }
    return this.#state;
  }

  async classify(posts: ClassifierInput[], signal?: AbortSignal): Promise<Labelled[]> {
    const state = this.state;
    if (state === "open" || (state === "half-open" && this.#probing)) {
      return this.#fallback.classify(posts, signal);
    }
    if (state === "half-open") this.#set("half-open");
    this.#probing = state === "half-open";
    const slow = new AbortController();
    const timer = setTimeout(() => slow.abort(), this.#o.slowMs);
    const stop = signal ? AbortSignal.any([signal, slow.signal]) : slow.signal;
    const started = performance.now();
    try {
      const out = await this.#inner.classify(posts, stop);
      classifierLatency.observe({ model: this.model }, (performance.now() - started) / 1000);
      const ok = !slow.signal.aborted && out.every((r) => r.model === this.#inner.model);
      if (!signal?.aborted) this.#record(ok);
      return out;
    } finally {
      clearTimeout(timer);
      this.#probing = false;
    }
  }

  #record(ok: boolean): void {
    if (ok) {
      this.#failed = 0;
      if (this.#state !== "closed") this.#logger?.info("Ollama answers again; circuit closed");
      this.#set("closed");
      return;
    }
    this.#failed++;
    if (this.#state !== "closed" || this.#failed >= this.#o.failures) {
      if (this.#state === "closed") {
        this.#logger?.warn("Ollama slow or failing; circuit open, classifying locally", {
          failures: this.#failed,
          cooldownMs: this.#o.cooldownMs,
        });
      }
      this.#openedAt = this.#o.now();
      this.#set("open");
    }
  }

  #set(state: BreakerState): void {
    this.#state = state;
    breakerState.set({ model: this.model }, STATE_VALUE[state]);
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }
}
