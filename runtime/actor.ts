/**
 * An actor: one loop that takes batches from a bounded mailbox and hands them to a handler.
 * With `concurrency` above 1 the loop takes the next batch while earlier ones are still being
 * handled (decoding one batch while the database stores the last), at most that many at once;
 * batches start in mailbox order but may finish in any order, so whoever settles messages must
 * not assume otherwise (a consumer commits only the settled prefix of a partition).
 * `stop` is graceful (refuse new messages, drain, wait for the handlers); `close` is immediate.
 * When a handler throws, the actor crashes: every message of every unfinished batch and of the
 * mailbox is dropped through `onDrop` (so an ack can be turned into a nack; a message already
 * acked stays acked) and `done` rejects with the error.
 */
import { AbortedError } from "../lib/errors.ts";
import { Mailbox } from "./mailbox.ts";

export interface ActorOptions<M> {
  /** Mailbox capacity: a full mailbox makes `tell` wait. */
  capacity: number;
  /** Mailbox bound in bytes as `sizeOf` counts them (0: counts only). Default 0. */
  maxBytes?: number;
  /** The size of one message for `maxBytes`. */
  sizeOf?: (message: M) => number;
  /** How many batches may be handled at once. Default 1. */
  concurrency?: number;
  /** Largest batch handed to `handle`. Default 1. */
  batchSize?: number;
  /** How long to wait for a batch to fill once its first message is in, in ms. Default 0. */
  lingerMs?: number;
  /** Handles one batch; `stopping` aborts once stop or close is called (to end long waits). */
  handle: (batch: M[], stopping: AbortSignal) => Promise<void>;
  /** Called for each message the actor will never handle (crash or close). */
  onDrop?: (message: M, reason: Error) => void;
}

export type ActorStatus = "idle" | "running" | "stopping" | "stopped" | "crashed";

export class Actor<M> {
  readonly mailbox: Mailbox<M>;
  readonly done: Promise<void>;
  #options: ActorOptions<M>;
  #status: ActorStatus = "idle";
  #stopping = new AbortController();
  #resolve!: () => void;
  #reject!: (e: Error) => void;

  constructor(options: ActorOptions<M>) {
    this.#options = options;
    this.mailbox = new Mailbox<M>(options.capacity, {
      maxBytes: options.maxBytes,
      sizeOf: options.sizeOf,
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A crash is reported through `done`; keep an unobserved rejection from killing the process.
    this.done.catch(() => {});
  }

  get status(): ActorStatus {
    return this.#status;
  }

  start(): this {
    if (this.#status !== "idle") throw new TypeError(`Actor cannot start from ${this.#status}`);
    this.#status = "running";
    this.#loop();
    return this;
  }

  /** Delivers a message, waiting while the mailbox is full. Rejects once the actor stops. */
  tell(message: M): Promise<void> {
    return this.mailbox.put(message);
  }

  /** Delivers without waiting; false when the mailbox is full. */
  offer(message: M): boolean {
    return this.mailbox.offer(message);
  }

  /** Graceful stop: refuse new messages, handle what is queued, then resolve. */
  async stop(): Promise<void> {
    if (this.#status === "idle") this.#finish();
    if (this.#status === "running") {
      this.#status = "stopping";
      this.interrupt();
      this.mailbox.seal(new AbortedError("Actor is stopping"));
    }
    await this.done.catch(() => {});
  }

  /**
   * Ends the handler's long waits (retries, a batch held through an outage) by aborting its
   * `stopping` signal, while the actor keeps taking and handling messages: for a graceful stop
   * that begins upstream (the input stops first and waits for its batches to settle). A batch
   * given up this way fails, so its messages are nacked and not committed.
   */
  interrupt(reason: Error = new AbortedError("Actor is stopping")): void {
    if (!this.#stopping.signal.aborted) this.#stopping.abort(reason);
  }

  /** Immediate stop: queued messages are dropped, the current batch is left to finish alone. */
  close(reason: Error = new AbortedError("Actor closed")): void {
    if (this.#status === "stopped" || this.#status === "crashed") return;
    this.interrupt(reason);
    for (const m of this.mailbox.close(reason)) this.#options.onDrop?.(m, reason);
    this.#finish();
  }

  async #loop(): Promise<void> {
    const { batchSize = 1, lingerMs = 0, concurrency = 1, handle } = this.#options;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`Actor concurrency must be a positive integer, got ${concurrency}`);
    }
    const inFlight = new Map<Promise<void>, M[]>();
    let crash: Error | null = null;
    const fail = (err: unknown) => {
      if (crash) return;
      crash = err instanceof Error ? err : new Error(String(err));
      for (const batch of inFlight.values()) {
        for (const m of batch) this.#options.onDrop?.(m, crash);
      }
      for (const m of this.mailbox.close(crash)) this.#options.onDrop?.(m, crash);
      this.#status = "crashed";
      this.#stopping.abort(crash);
      this.#reject(crash);
    };
    while (!crash && (this.#status === "running" || this.#status === "stopping")) {
      if (inFlight.size >= concurrency) {
        await Promise.race(inFlight.keys());
        continue;
      }
      const batch = await this.mailbox.takeBatch(batchSize, lingerMs);
      if (crash) break; // the mailbox was closed by the crash: nothing was taken
      if (batch.length === 0) {
        if (this.mailbox.closed) break;
        continue;
      }
      let p: Promise<void>;
      try {
        p = handle(batch, this.#stopping.signal);
      } catch (err) {
        p = Promise.reject(err);
      }
      const tracked: Promise<void> = p.then(
        () => void inFlight.delete(tracked),
        (err) => {
          fail(err);
          inFlight.delete(tracked);
        },
      );
      inFlight.set(tracked, batch);
    }
    await Promise.all(inFlight.keys());
    if (!crash) this.#finish();
  }

  #finish(): void {
    if (this.#status === "crashed" || this.#status === "stopped") return;
    this.#status = "stopped";
    this.#resolve();
  }
}
