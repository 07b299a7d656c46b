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

export const PENDING = 0, ACKED = 1, NACKED = 2, WITHHELD = 3;

/** The acks of one batch's envelopes, by position; `onChange` hears of a nack or the last settle. */
export class BatchAcks {
  states: Uint8Array;
  pending: number;
  firstError: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(n: number, private onChange?: () => void) {
    this.states = new Uint8Array(n);
    this.pending = n;
  }

  settle(i: number, state: number, error?: Error): void {
    if (this.states[i] !== PENDING) return; // an envelope is settled once; later calls are ignored
    this.states[i] = state;
    if (error && !this.firstError) {
      this.firstError = error;
      if (this.pending > 1) this.onChange?.();
    }
    if (--this.pending === 0) {
      this.#wake?.();
      this.onChange?.();
    }
  }

  /** Number of leading envelopes acked. */
  ackedPrefix(): number {
    let n = 0;
    while (n < this.states.length && this.states[n] === ACKED) n++;
    return n;
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
  constructor(readonly message: InMessage, private t: BatchAcks, private i: number) {}
  ack(): void {
    this.t.settle(this.i, ACKED);
  }
  nack(error: Error): void {
    this.t.settle(this.i, NACKED, error);
  }
}

/** The hooks of {@linkcode handOver}. */
export interface HandOverHooks {
  heartbeat?: () => Promise<void>;
  heartbeatMs: number;
  /** True once no further message may be handed over (those left are withheld). */
  interrupted: () => boolean;
  pause?: () => void;
  resume?: () => void;
}

/**
 * Hands `messages` to `target` in order, each as an envelope settling into `acks`: without
 * waiting while the target has room, else pausing the partition and heartbeating until it has.
 * Messages not handed over (an interruption, a target that refused) are settled as withheld or
 * nacked here. Resolves with how many were handed over.
 */
export async function handOver(
  messages: InMessage[],
  target: EnvelopeTarget,
  acks: BatchAcks,
  hooks: HandOverHooks,
): Promise<number> {
  for (let i = 0; i < messages.length; i++) {
    if (hooks.interrupted()) {
      for (let j = i; j < messages.length; j++) acks.settle(j, WITHHELD);
      return i;
    }
    const env = new TrackedEnvelope(messages[i], acks, i);
    let offered: boolean;
    try {
      offered = target.offer(env);
    } catch (err) {
      failRest(acks, i, err);
      return i;
    }
    if (offered) continue;
    hooks.pause?.();
    try {
      await tellWithHeartbeat(target, env, hooks.heartbeat, hooks.heartbeatMs, hooks.interrupted);
    } catch (err) {
      failRest(acks, i, err);
      return i;
    } finally {
      hooks.resume?.();
    }
    // Handed over while a rebalance began: it may still be processed, and settle in the grace.
  }
  return messages.length;
}

/**
 * A heartbeat that notes a rebalance instead of failing on it; other heartbeat errors throw.
 * `rebalance()` is the error that announced it, once one has.
 */
export function rebalanceAwareHeartbeat(hooks: BatchHooks): {
  heartbeat?: () => Promise<void>;
  rebalance: () => Error | null;
} {
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
  return { heartbeat, rebalance: () => rebalance };
}

export async function deliverBatch(
  messages: InMessage[],
  target: EnvelopeTarget,
  hooks: BatchHooks = {},
): Promise<BatchOutcome> {
  const acks = new BatchAcks(messages.length);
  const heartbeatMs = hooks.heartbeatMs ?? 1_000;
  const { heartbeat, rebalance } = rebalanceAwareHeartbeat(hooks);
  const interrupted = () => rebalance() !== null;
  await handOver(messages, target, acks, { ...hooks, heartbeat, heartbeatMs, interrupted });
  let graceEnds = Infinity;
  while (acks.pending > 0) {
    if (interrupted()) {
      graceEnds = Math.min(graceEnds, Date.now() + (hooks.rebalanceGraceMs ?? 10_000));
      if (Date.now() >= graceEnds) break;
    }
    await acks.waitAll(Math.min(heartbeatMs, Math.max(1, graceEnds - Date.now())));
    if (acks.pending > 0) await heartbeat?.();
  }
  return { acked: acks.ackedPrefix(), error: acks.firstError, rebalance: rebalance() };
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

function failRest(acks: BatchAcks, from: number, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  for (let j = from; j < acks.states.length; j++) acks.settle(j, NACKED, error);
}
