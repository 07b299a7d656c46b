/**
 * What a pipelined consumer has handed over and not yet committed, per partition: its batches in
 * offset order, each with its acks. A partition's committable offset is one past the end of its
 * acked prefix across those batches, so a later batch acked before an earlier one commits
 * nothing until the earlier one is acked too. A nack stops the prefix at the nacked message.
 */
import { type BatchAcks, NACKED } from "../_batch.ts";

interface Handed {
  offsets: string[];
  acks: BatchAcks;
}

interface Partition {
  topic: string;
  partition: number;
  batches: Handed[];
  /** The last offset scheduled for commit, or null before the first. */
  committed: bigint | null;
}

/** A partition's next commit, or the nack that stops it. */
export interface LedgerEntry {
  topic: string;
  partition: number;
  /** One past the acked prefix, when it moved since the last commit. */
  commit?: string;
  /** The first nacked offset, with its error, when the prefix stops at a nack. */
  nacked?: { offset: string; error: Error };
}

export class CommitLedger {
  #parts = new Map<string, Partition>();

  /** Records a batch handed over (its first `offsets.length` messages). */
  add(topic: string, partition: number, offsets: string[], acks: BatchAcks): void {
    if (offsets.length === 0) return;
    const key = `${topic}\u0000${partition}`;
    let p = this.#parts.get(key);
    if (!p) this.#parts.set(key, p = { topic, partition, batches: [], committed: null });
    p.batches.push({ offsets, acks });
  }

  /** Messages handed over and not settled yet, over every partition. */
  get unsettled(): number {
    let n = 0;
    for (const p of this.#parts.values()) for (const b of p.batches) n += b.acks.pending;
    return n;
  }

  /**
   * Per partition, where its acked prefix now ends (if that moved) and the nack that stops it
   * (if one does). Fully acked batches are dropped; the returned commits count as scheduled.
   */
  due(): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const p of this.#parts.values()) {
      let end: string | undefined;
      let nacked: LedgerEntry["nacked"];
      while (p.batches.length > 0) {
        const b = p.batches[0];
        const n = b.acks.ackedPrefix();
        if (n > 0) end = b.offsets[n - 1];
        if (n < b.offsets.length) {
          if (b.acks.states[n] === NACKED) {
            nacked = { offset: b.offsets[n], error: b.acks.firstError ?? new Error("nacked") };
          }
          break;
        }
        p.batches.shift();
      }
      const next = end === undefined ? null : BigInt(end) + 1n;
      const moved = next !== null && (p.committed === null || next > p.committed);
      if (moved) p.committed = next;
      if (moved || nacked) {
        out.push({
          topic: p.topic,
          partition: p.partition,
          ...(moved ? { commit: String(next) } : {}),
          ...(nacked ? { nacked } : {}),
        });
      }
    }
    return out;
  }

  /**
   * Forgets a partition's batches (after a seek), or every partition's (a new assignment):
   * acks of what was handed over before no longer count.
   */
  reset(topic?: string, partition?: number): void {
    if (topic === undefined) this.#parts.clear();
    else this.#parts.delete(`${topic}\u0000${partition}`);
  }
}
