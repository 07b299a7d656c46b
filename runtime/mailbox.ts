/**
 * A bounded FIFO mailbox. `put` waits while the mailbox is full, so a producer that awaits it
 * is pushed back instead of growing memory; `takeBatch` waits for the first item, then collects
 * more for at most `lingerMs`. Full means `capacity` items or, when `maxBytes` is set, that
 * many bytes as `sizeOf` counts them (one item is always let in, however large, so a big
 * message cannot wedge its sender).
 */
import { AbortedError } from "../lib/errors.ts";

export interface MailboxOptions<T> {
  /** Bound on the bytes held, as `sizeOf` counts them; 0 bounds the count only. Default 0. */
  maxBytes?: number;
  /** The size of one item, for `maxBytes`. Default: 0 for every item. */
  sizeOf?: (item: T) => number;
}

export class Mailbox<T> {
  readonly capacity: number;
  readonly maxBytes: number;
  #sizeOf: (item: T) => number;
  #bytes = 0;
  #items: T[] = [];
  #head = 0;
  #closed: Error | null = null;
  #spaceWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  #itemWaiter: (() => void) | null = null;

  constructor(capacity: number, options: MailboxOptions<T> = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Mailbox capacity must be a positive integer, got ${capacity}`);
    }
    const maxBytes = options.maxBytes ?? 0;
    if (!Number.isFinite(maxBytes) || maxBytes < 0) {
      throw new RangeError(`Mailbox maxBytes must be 0 or more, got ${maxBytes}`);
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.#sizeOf = options.sizeOf ?? (() => 0);
  }

  /** The bytes held, as `sizeOf` counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get full(): boolean {
    return this.size >= this.capacity ||
      (this.maxBytes > 0 && this.size > 0 && this.#bytes >= this.maxBytes);
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** Adds without waiting; false when full. Throws when closed. */
  offer(item: T): boolean {
    if (this.#closed) throw this.#closed;
    if (this.full) return false;
    if (this.maxBytes > 0) this.#bytes += this.#sizeOf(item);
    this.#items.push(item);
    this.#wakeTaker();
    return true;
  }

  /** Adds, waiting for space while the mailbox is full. Rejects when the mailbox closes. */
  async put(item: T): Promise<void> {
    while (!this.offer(item)) {
      await new Promise<void>((resolve, reject) => this.#spaceWaiters.push({ resolve, reject }));
    }
  }

  /**
   * Takes up to `max` items: waits for the first (up to `waitMs`, or forever when undefined),
   * then lingers up to `lingerMs` for the batch to fill. Returns [] on timeout or close.
   */
  async takeBatch(max: number, lingerMs: number, waitMs?: number): Promise<T[]> {
    if (this.size === 0 && !this.#closed) {
      await this.#waitForItem(waitMs);
    }
    // A mailbox full by bytes cannot fill further: take what is there.
    if (this.size > 0 && this.size < max && lingerMs > 0 && !this.#closed && !this.full) {
      const deadline = Date.now() + lingerMs;
      while (this.size < max && !this.#closed && !this.full) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await this.#waitForItem(left);
      }
    }
    return this.#drain(max);
  }

  /** Refuses new items (waiting producers are rejected) but keeps what is queued for draining. */
  seal(reason: Error = new AbortedError("Mailbox sealed")): void {
    if (!this.#closed) this.#closed = reason;
    for (const w of this.#spaceWaiters.splice(0)) w.reject(this.#closed);
    this.#wakeTaker();
  }

  /** Seals, then removes and returns everything still queued. */
  close(reason: Error = new AbortedError("Mailbox closed")): T[] {
    this.seal(reason);
    return this.#drain(Infinity);
  }

  #drain(max: number): T[] {
    const n = Math.min(max, this.size);
    const out = this.#items.slice(this.#head, this.#head + n);
    this.#head += n;
    if (this.maxBytes > 0) {
      for (const item of out) this.#bytes -= this.#sizeOf(item);
      if (this.size === 0) this.#bytes = 0;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (n > 0) {
      // Each woken producer re-checks for space; a byte bound may let in more or fewer than n.
      const wake = this.maxBytes > 0 ? this.#spaceWaiters.length : n;
      for (const w of this.#spaceWaiters.splice(0, wake)) w.resolve();
    }
    return out;
  }

  #wakeTaker(): void {
    const w = this.#itemWaiter;
    this.#itemWaiter = null;
    w?.();
  }

  #waitForItem(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#itemWaiter = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) {
        timer = setTimeout(() => {
          this.#itemWaiter = null;
          resolve();
        }, ms);
      }
    });
  }
}
