/**
 * Leased rate limiting: a process takes points from a shared limiter (Redis) `lease` at a time
 * and hands them out locally until they run out or the window ends, so a busy source costs one
 * Redis round trip per `lease` requests instead of one per request. A refusal is remembered
 * locally until the window ends, so a flood over the limit does not reach Redis either.
 *
 * Never admits more than the shared limit (points are taken in Redis before they are handed
 * out); may admit fewer: points leased by a process and not used before the window ends, and
 * the points a refused lease asked for, are lost to the window (at most `lease - 1` per process
 * and key). With `lease` 1 it is the shared limiter exactly.
 */
import { RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimiterAbstract } from "rate-limiter-flexible";

/** null when allowed, else the seconds to wait. */
export type RateVerdict = { retryAfterS: number } | null;

interface Lease {
  remaining: number;
  /** Window end (ms since the epoch): the lease is void after it. */
  until: number;
  /** Set when the shared limiter refused: refuse locally until `until`. */
  refused: boolean;
  refill: Promise<void> | null;
}

/** Keys kept before the expired ones are swept. */
const SWEEP_AT = 10_000;

export class LeasedLimiter {
  readonly #leases = new Map<string, Lease>();

  constructor(
    private readonly shared: Pick<RateLimiterAbstract, "consume">,
    private readonly lease: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(lease >= 1)) throw new RangeError("lease must be at least 1");
  }

  async consume(key: string): Promise<RateVerdict> {
    // Each pass either takes a point, refuses, or waits for one refill of this key.
    for (;;) {
      const l = this.#leases.get(key);
      const now = this.now();
      if (l && l.until > now) {
        if (l.refused) return { retryAfterS: Math.max(1, Math.ceil((l.until - now) / 1000)) };
        if (l.remaining > 0) {
          l.remaining--;
          return null;
        }
      }
      if (l?.refill) {
        await l.refill;
        continue;
      }
      const next: Lease = { remaining: 0, until: 0, refused: false, refill: null };
      next.refill = this.#take(key, next).finally(() => (next.refill = null));
      if (this.#leases.size >= SWEEP_AT) this.#sweep(now);
      this.#leases.set(key, next);
      await next.refill;
    }
  }

  async #take(key: string, into: Lease): Promise<void> {
    try {
      const res = await this.shared.consume(key, this.lease);
      into.remaining = this.lease;
      into.until = this.now() + res.msBeforeNext;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      into.refused = true;
      into.until = this.now() + Math.max(1, err.msBeforeNext);
    }
  }

  #sweep(now: number): void {
    for (const [k, l] of this.#leases) if (l.until <= now && !l.refill) this.#leases.delete(k);
  }
}
