/**
 * A supervisor in the OTP manner. Children start in spec order and stop in reverse order.
 * Strategies: `one_for_one` restarts only the child that exited; `rest_for_one` also restarts
 * every child started after it. Restart types: `permanent` (always restarted), `transient`
 * (restarted only after a crash), `temporary` (never restarted). More than `intensity` restarts
 * within `periodMs` escalates: the supervisor stops every child and `done` rejects. A crash whose
 * error is not retriable escalates at once instead of being restarted blindly.
 */
import { errorMessage, isRetriable, SluiceError } from "../lib/errors.ts";
import { rootLogger } from "../lib/log.ts";
import type { Logger } from "../lib/log.ts";
import { settledWithin } from "../lib/deadline.ts";
import { backoffDelay } from "../lib/retry.ts";
import type { BackoffOptions } from "../lib/retry.ts";
import { supervisorEscalations, supervisorRestarts } from "../lib/ops_metrics.ts";

/** What a running child gives its supervisor. `done` settles when the child exits. */
export interface ChildHandle<T = unknown> {
  /** Resolves on a normal exit, rejects on a crash. */
  done: Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** Immediate stop. */
  close(reason?: Error): void;
  /** What siblings may use (an actor to send to, a pool). */
  ref?: T;
}

export interface ChildContext {
  /** The `ref` of a sibling started earlier. */
  get<T>(id: string): T;
  logger: Logger;
}

export type RestartType = "permanent" | "transient" | "temporary";
export type Strategy = "one_for_one" | "rest_for_one";

export interface ChildSpec {
  id: string;
  restart?: RestartType;
  start: (ctx: ChildContext) => Promise<ChildHandle>;
  /** How long a graceful stop may take before the child is closed, in ms. Default 10_000. */
  shutdownMs?: number;
}

export type ChildStatus = "starting" | "running" | "restarting" | "stopped" | "failed";

export interface ChildState {
  id: string;
  status: ChildStatus;
  restarts: number;
  lastError: string | null;
  since: string;
}

export interface SupervisorOptions {
  name?: string;
  strategy?: Strategy;
  /** Most restarts allowed within `periodMs`. Default 5. */
  intensity?: number;
  /** Default 60_000. */
  periodMs?: number;
  backoff?: BackoffOptions;
  logger?: Logger;
  /**
   * When every child has exited normally and none is to be restarted (a finite producer, a
   * finite replay), `done` resolves: OTP's `auto_shutdown`. Default false.
   */
  autoShutdown?: boolean;
}

/**
 * A sibling asked for through `ChildContext.get` is not running (it is being restarted, or failed
 * to start): retriable, so the asking child is restarted after it rather than escalating.
 */
export class SiblingNotRunningError extends SluiceError {
  constructor(id: string) {
    super("SIBLING_NOT_RUNNING", `Child ${id} is not running`, { retriable: true });
  }
}

export class EscalationError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super("ESCALATED", message, { retriable: false, cause });
  }
}

interface Slot {
  spec: ChildSpec;
  handle: ChildHandle | null;
  state: ChildState;
  /** Bumped whenever the slot is (re)started or deliberately stopped: stale exits are ignored. */
  epoch: number;
}

export class Supervisor implements ChildHandle<Supervisor> {
  readonly done: Promise<void>;
  readonly ref: Supervisor = this;
  #slots: Slot[];
  #opts: Required<Omit<SupervisorOptions, "backoff" | "logger">> & { backoff: BackoffOptions };
  #log: Logger;
  #restartTimes: number[] = [];
  #stopping = false;
  #restarting: Promise<void> = Promise.resolve();
  #resolve!: () => void;
  #reject!: (e: Error) => void;

  constructor(specs: ChildSpec[], options: SupervisorOptions = {}) {
    const ids = new Set<string>();
    for (const s of specs) {
      if (ids.has(s.id)) throw new TypeError(`Duplicate child id: ${s.id}`);
      ids.add(s.id);
    }
    this.#opts = {
      name: options.name ?? "root",
      strategy: options.strategy ?? "one_for_one",
      intensity: options.intensity ?? 5,
      periodMs: options.periodMs ?? 60_000,
      backoff: options.backoff ?? { initialMs: 200, maxMs: 10_000 },
      autoShutdown: options.autoShutdown ?? false,
    };
    this.#log = (options.logger ?? rootLogger).child("supervisor", { supervisor: this.#opts.name });
    this.#slots = specs.map((spec) => ({
      spec,
      handle: null,
      epoch: 0,
      state: { id: spec.id, status: "stopped", restarts: 0, lastError: null, since: now() },
    }));
    for (const spec of specs) {
      supervisorRestarts.inc({ supervisor: this.#opts.name, child: spec.id }, 0);
    }
    supervisorEscalations.inc({ supervisor: this.#opts.name }, 0);
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => {});
  }

  /** Starts every child in order. A child that fails to start is handled like a crash. */
  async start(): Promise<this> {
    for (let i = 0; i < this.#slots.length && !this.#stopping; i++) {
      if (!(await this.#startSlot(i)) && this.#opts.strategy === "rest_for_one") break;
    }
    return this;
  }

  states(): ChildState[] {
    return this.#slots.flatMap((s) => {
      const own = { ...s.state };
      const nested = s.handle?.ref instanceof Supervisor ? s.handle.ref.states() : [];
      return [own, ...nested.map((n) => ({ ...n, id: `${s.spec.id}/${n.id}` }))];
    });
  }

  totalRestarts(): number {
    return this.states().reduce((n, s) => n + s.restarts, 0);
  }

  /** Graceful stop of every child, in reverse start order. */
  async stop(): Promise<void> {
    if (this.#stopping) return this.done.catch(() => {});
    this.#stopping = true;
    await this.#restarting.catch(() => {});
    await this.#stopFrom(0);
    this.#resolve();
  }

  close(reason?: Error): void {
    this.#stopping = true;
    for (const slot of [...this.#slots].reverse()) {
      slot.epoch++;
      slot.handle?.close(reason);
      slot.handle = null;
      slot.state = { ...slot.state, status: "stopped", since: now() };
    }
    this.#resolve();
  }

  /**
   * Starts slot `i`; false when it failed to start (its restart is then scheduled, and under
   * `rest_for_one` that restart starts the later children too).
   */
  async #startSlot(i: number): Promise<boolean> {
    const slot = this.#slots[i];
    const epoch = ++slot.epoch;
    slot.state = { ...slot.state, status: "starting", since: now() };
    const ctx: ChildContext = {
      get: <T>(id: string) => {
        const sibling = this.#slots.find((s) => s.spec.id === id);
        if (!sibling) throw new TypeError(`No child ${id}`);
        if (!sibling.handle) throw new SiblingNotRunningError(id);
        return sibling.handle.ref as T;
      },
      logger: this.#log.child(slot.spec.id),
    };
    let handle: ChildHandle;
    try {
      handle = await slot.spec.start(ctx);
    } catch (err) {
      if (epoch === slot.epoch) this.#onExit(i, epoch, err);
      return false;
    }
    if (epoch !== slot.epoch || this.#stopping) {
      handle.close();
      return false;
    }
    slot.handle = handle;
    slot.state = { ...slot.state, status: "running", since: now() };
    this.#log.info("child started", { child: slot.spec.id, restarts: slot.state.restarts });
    handle.done.then(
      () => this.#onExit(i, epoch, null),
      (err) => this.#onExit(i, epoch, err ?? new Error("child crashed")),
    );
    return true;
  }

  #onExit(i: number, epoch: number, err: unknown): void {
    const slot = this.#slots[i];
    if (epoch !== slot.epoch || this.#stopping) return;
    slot.handle = null;
    const restart = slot.spec.restart ?? "permanent";
    if (err !== null) {
      slot.state = { ...slot.state, lastError: errorMessage(err) };
      this.#log.error("child crashed", { child: slot.spec.id, err });
    }
    const wanted = restart === "permanent" || (restart === "transient" && err !== null);
    if (!wanted) {
      slot.state = { ...slot.state, status: err ? "failed" : "stopped", since: now() };
      if (this.#opts.autoShutdown && this.#slots.every((s) => s.state.status === "stopped")) {
        this.#log.info("every child finished, stopping", {});
        this.#stopping = true;
        this.#resolve();
      }
      return;
    }
    if (err !== null && !isRetriable(err)) {
      slot.state = { ...slot.state, status: "failed", since: now() };
      this.#escalate(`child ${slot.spec.id} failed with a non-retriable error`, err);
      return;
    }
    const t = Date.now();
    this.#restartTimes = this.#restartTimes.filter((x) => t - x < this.#opts.periodMs);
    this.#restartTimes.push(t);
    if (this.#restartTimes.length > this.#opts.intensity) {
      slot.state = { ...slot.state, status: "failed", since: now() };
      this.#escalate(
        `restart intensity exceeded: more than ${this.#opts.intensity} restarts in ${this.#opts.periodMs} ms`,
        err,
      );
      return;
    }
    slot.state = {
      ...slot.state,
      status: "restarting",
      restarts: slot.state.restarts + 1,
      since: now(),
    };
    supervisorRestarts.inc({ supervisor: this.#opts.name, child: slot.spec.id });
    const wait = backoffDelay(this.#restartTimes.length - 1, this.#opts.backoff);
    this.#log.warn("restarting child", { child: slot.spec.id, delayMs: wait });
    this.#restarting = this.#restarting.then(() => this.#restart(i, wait));
  }

  async #restart(i: number, wait: number): Promise<void> {
    await new Promise((r) => setTimeout(r, wait));
    if (this.#stopping) return;
    const last = this.#opts.strategy === "rest_for_one" ? this.#slots.length - 1 : i;
    if (last > i) await this.#stopFrom(i + 1);
    for (let j = i; j <= last && !this.#stopping; j++) {
      // A child that failed to start has its own restart scheduled, which starts the rest:
      // starting them now would hand them a sibling that is not running.
      if (!(await this.#startSlot(j))) break;
    }
  }

  /** Stops children from index `from` to the end, last started first. */
  async #stopFrom(from: number): Promise<void> {
    for (let j = this.#slots.length - 1; j >= from; j--) {
      const slot = this.#slots[j];
      slot.epoch++;
      const handle = slot.handle;
      slot.handle = null;
      if (handle) await stopWithin(handle, slot.spec.shutdownMs ?? 10_000, this.#log, slot.spec.id);
      slot.state = { ...slot.state, status: "stopped", since: now() };
    }
  }

  #escalate(why: string, cause: unknown): void {
    if (this.#stopping) return;
    this.#log.error("supervisor escalating", { why, err: cause });
    supervisorEscalations.inc({ supervisor: this.#opts.name });
    this.#stopping = true;
    this.#stopFrom(0).finally(() => this.#reject(new EscalationError(why, cause)));
  }
}

async function stopWithin(h: ChildHandle, ms: number, log: Logger, id: string): Promise<void> {
  const stopped = await settledWithin(h.stop(), ms).catch((err) => {
    log.warn("child stop failed", { child: id, err });
    return false;
  });
  if (!stopped) {
    log.warn("child did not stop in time, closing it", { child: id, shutdownMs: ms });
    h.close();
  }
}

function now(): string {
  return new Date().toISOString();
}
