/**
 * The commits of a pipelined consumer, which hands each batch over and fetches on while its
 * target works. As acks arrive, each partition's acked prefix is committed: one OffsetCommit for
 * every partition whose prefix moved, one request in flight at a time. A nack seeks its
 * partition back to the nacked message (the messages after it are replayed; writes are
 * idempotent). A new assignment forgets everything handed over before it: the partitions'
 * owners, this member or another, replay from the last commit.
 */
import type { Logger } from "../../lib/log.ts";
import { BatchAcks } from "../_batch.ts";
import { CommitLedger } from "./_ledger.ts";

export type CommitFn = (offsets: {
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
}) => Promise<void>;

export class PipelinedCommits {
  readonly #ledger = new CommitLedger();
  #commit: CommitFn | null = null;
  #flushing: Promise<void> | null = null;
  #again = false;
  #draining = false;
  #settled: Array<() => void> = [];

  constructor(
    private seek: (topic: string, partition: number, offset: string) => void,
    private log: Logger,
  ) {}

  /** The acks of a batch about to be handed over, recorded in order for its partition. */
  track(topic: string, partition: number, offsets: string[], commit: CommitFn): BatchAcks {
    this.#commit = commit;
    const acks = new BatchAcks(offsets.length, () => this.#changed());
    this.#ledger.add(topic, partition, offsets, acks);
    return acks;
  }

  /** Forgets what was handed over (a new assignment): its acks commit nothing any more. */
  forget(): void {
    this.#ledger.reset();
  }

  /** Commits the acked prefixes now (before rejoining a group, say). */
  flush(): Promise<void> {
    this.#changed();
    return this.#flushing ?? Promise.resolve();
  }

  /**
   * For a graceful stop: waits until everything handed over is settled, then commits. A nack
   * then seeks nothing (the member is leaving).
   */
  async drain(): Promise<void> {
    this.#draining = true;
    while (this.#ledger.unsettled > 0) await new Promise<void>((r) => this.#settled.push(r));
    await this.flush();
  }

  #changed(): void {
    if (this.#flushing) {
      this.#again = true;
      return;
    }
    this.#flushing = this.#run().finally(() => (this.#flushing = null));
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      // The acks of one handled batch arrive in one loop: let it finish first.
      await null;
      const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
      for (const e of this.#ledger.due()) {
        if (e.commit) {
          const parts = byTopic.get(e.topic) ?? [];
          parts.push({ partition: e.partition, offset: e.commit });
          byTopic.set(e.topic, parts);
        }
        if (e.nacked && !this.#draining) {
          const { topic, partition } = e;
          this.log.warn("message nacked; seeking back", {
            topic,
            partition,
            offset: e.nacked.offset,
            err: e.nacked.error,
          });
          this.#ledger.reset(topic, partition);
          this.seek(topic, partition, e.nacked.offset);
        }
      }
      for (const wake of this.#settled.splice(0)) wake();
      if (byTopic.size === 0 || !this.#commit) continue;
      const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
      await this.#commit({ topics }).then(
        () => this.log.debug("committed", { topics }),
        (err) => this.log.warn("commit failed; the next owner replays", { topics, err }),
      );
    } while (this.#again);
  }
}
