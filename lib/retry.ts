/** Exponential backoff with jitter, shared by the supervisor, producers and sinks. */
import { isRetriable } from "./errors.ts";

export interface BackoffOptions {
  /** First delay in ms. Default 100. */
  initialMs?: number;
  /** Largest delay in ms: a service that comes back is used within about this. Default 5_000. */
  maxMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay randomised, 0..1. Default 0.2. */
  jitter?: number;
}

/** Delay before attempt `attempt` (0-based): initial * factor^attempt, capped, with ±jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs = 100, maxMs = 5_000, factor = 2, jitter = 0.2 } = options;
  const base = Math.min(maxMs, initialMs * factor ** attempt);
  const spread = base * jitter;
  return Math.max(0, Math.round(base - spread + Math.random() * 2 * spread));
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** Called before each retry with the error and the delay. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Sleep that ends early (rejecting) when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs `fn`, retrying retriable failures with backoff; a non-retriable error is thrown at once. */
export async function retry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= retries || !isRetriable(err) || options.signal?.aborted) throw err;
      const ms = backoffDelay(attempt, options);
      options.onRetry?.(err, attempt + 1, ms);
      await delay(ms, options.signal);
    }
  }
}
