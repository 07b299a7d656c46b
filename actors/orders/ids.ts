/**
 * Order ids handed out from blocks reserved in the database (`order_id_blocks`), so a restarted
 * producer never reuses one. The next block of the same day is reserved ahead, in the
 * background, once half of the current one is used: a short database outage then costs no
 * pause. The position (`IdPosition`) can be saved and restored, so a producer run resumes where
 * it was; a block that was reserved but never used leaves a gap in the numbering, never a reuse.
 */
import { dayOf, orderId } from "./generator.ts";

/** Where a producer is in its ids: the next sequence number of `day`, and its block's end. */
export interface IdPosition {
  day: string;
  next: number;
  end: number;
}

/** Reserves `size` sequence numbers of `day`; resolves to the first. */
export type Reserve = (day: string, size: number) => Promise<number>;

export class OrderIds {
  #pos: IdPosition = { day: "", next: 0, end: 0 };
  #ahead: { day: string; first: Promise<number> } | null = null;

  constructor(private reserve: Reserve, private blockSize = 100) {}

  /** The position now: what `restore` takes to continue from here. */
  position(): IdPosition {
    return { ...this.#pos };
  }

  /** Continues from a saved position (its block is reserved already). */
  restore(pos: IdPosition): void {
    this.#pos = { ...pos };
    this.#ahead = null;
  }

  async next(now: Date): Promise<string> {
    const day = dayOf(now);
    const pos = this.#pos;
    if (day !== pos.day || pos.next >= pos.end) {
      const ahead = this.#ahead?.day === day ? this.#ahead.first : null;
      this.#ahead = null;
      // A failed reservation ahead is not fatal: it is asked for again, now.
      let first = ahead ? await ahead.catch(() => undefined) : undefined;
      first ??= await this.reserve(day, this.blockSize);
      this.#pos = { day, next: first, end: first + this.blockSize };
    }
    const id = orderId(day, this.#pos.next++);
    if (!this.#ahead && this.#pos.end - this.#pos.next <= this.blockSize / 2) {
      const first = this.reserve(day, this.blockSize);
      first.catch(() => {}); // reported when it is used
      this.#ahead = { day, first };
    }
    return id;
  }
}
