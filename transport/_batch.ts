/**
 * Shared by both transports: hand one partition's batch to a target with acks, wait until every
 * envelope is settled (heartbeating meanwhile), and report how many leading messages were acked.
 * Only that acked prefix may be committed. When a heartbeat answers that the group is
 * rebalancing, no further message is handed over, the ones already handed over get a grace
 * period to settle, and the outcome says so: the caller commits the acked prefix while its
 * generation is still valid, then rejoins; the rest is replayed by whoever owns the partition next.
 */
import { settledWithin } from "../lib/deadline.ts";
import type { Envelope, EnvelopeTarget, InMessage } from "./types.ts";

export interface BatchHooks {
  heartbeat?: () => Promise<void>;
  heartbeatMs?: number;
  /** Whether a heartbeat error means "the group is rebalancing". Default: never. */
  isRebalance?: (err: unknown) => boolean;
  /** How long handed-over messages may still settle once a rebalance began, in ms. Default 10_000. */
  rebalanceGraceMs?: number;
  pause?: () => void;
  resume?: () => void;
}

export interface BatchOutcome {
  /** Number of leading messages that were acked. */
  acked: number;
  /** The first nack's error, if any. */
  error: Error | null;
  /** The heartbeat error that announced a rebalance, if one began during the batch. */
  rebalance: Error | null;
}

const PENDING = 0, ACKED = 1, NACKED = 2, WITHHELD = 3;

class Tracker {
  states: Uint8Array;
  pending: number;
  firstError: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(n: number) {
    this.states = new Uint8Array(n);
    this.pending = n;
  }

  settle(i: number, state: number, error?: Error): void {
    if (this.states[i] !== PENDING) return; // an envelope is settled once; later calls are ignored
    this.states[i] = state;
    if (error && !this.firstError) this.firstError = error;
    if (--this.pending === 0) this.#wake?.();
  }

  waitAll(ms: number): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }
}

class TrackedEnvelope implements Envelope {
  constructor(readonly message: InMessage, private t: Tracker, private i: number) {}
  ack(): void {
    this.t.settle(this.i, ACKED);
  }
  nack(error: Error): void {
    this.t.settle(this.i, NACKED, error);
  }
}

export async function deliverBatch(
  messages: InMessage[],
  target: EnvelopeTarget,
  hooks: BatchHooks = {},
): Promise<BatchOutcome> {
  const tracker = new Tracker(messages.length);
  const heartbeatMs = hooks.heartbeatMs ?? 1_000;
  let rebalance: Error | null = null;
  const heartbeat = hooks.heartbeat && (async () => {
    if (rebalance) return;
    try {
      await hooks.heartbeat!();
    } catch (err) {
      if (!hooks.isRebalance?.(err)) throw err;
      rebalance = err instanceof Error ? err : new Error(String(err));
    }
  });
  const interrupted = () => rebalance !== null;
  for (let i = 0; i < messages.length; i++) {
    if (interrupted()) {
      for (let j = i; j < messages.length; j++) tracker.settle(j, WITHHELD);
      break;
    }
    const env = new TrackedEnvelope(messages[i], tracker, i);
    let offered: boolean;
    try {
      offered = target.offer(env);
    } catch (err) {
      failRest(tracker, i, err);
      break;
    }
    if (offered) continue;
    hooks.pause?.();
    try {
      await tellWithHeartbeat(target, env, heartbeat, heartbeatMs, interrupted);
    } catch (err) {
      failRest(tracker, i, err);
      break;
    } finally {
      hooks.resume?.();
    }
    // Handed over while a rebalance began: it may still be processed, and settle in the grace.
  }
  let graceEnds = Infinity;
  while (tracker.pending > 0) {
    if (interrupted()) {
      graceEnds = Math.min(graceEnds, Date.now() + (hooks.rebalanceGraceMs ?? 10_000));
      if (Date.now() >= graceEnds) break;
    }
    await tracker.waitAll(Math.min(heartbeatMs, Math.max(1, graceEnds - Date.now())));
    if (tracker.pending > 0) await heartbeat?.();
  }
  let acked = 0;
  while (acked < messages.length && tracker.states[acked] === ACKED) acked++;
  return { acked, error: tracker.firstError, rebalance };
}

async function tellWithHeartbeat(
  target: EnvelopeTarget,
  env: Envelope,
  heartbeat: (() => Promise<void>) | undefined,
  ms: number,
  interrupted: () => boolean,
): Promise<void> {
  const told = target.tell(env);
  if (!heartbeat) return told;
  let settled = false;
  told.then(() => (settled = true), () => (settled = true));
  while (!settled && !interrupted()) {
    if (!(await settledWithin(told, ms))) await heartbeat();
  }
  if (settled) return told;
}

function failRest(tracker: Tracker, from: number, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  for (let j = from; j < tracker.states.length; j++) tracker.settle(j, NACKED, error);
}
