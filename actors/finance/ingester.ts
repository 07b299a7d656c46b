/**
 * The ingest write path: store first, publish second (an outbox in the raw store).
 *
 * Requests submit their validated events; the events of every request that arrives while an
 * INSERT runs are folded into the next one (group commit: one INSERT ... ON CONFLICT for all of
 * them). A flush's broker send starts when its INSERT is done and overlaps the next INSERT;
 * sends made while one is in flight are folded by the producer. A request is answered once its
 * events are both stored and acknowledged by the broker, without waiting for `published_at`.
 *
 * `published_at` of acknowledged events is set by the next INSERT (a CTE of the same statement):
 * one statement and one synchronous commit a flush instead of two. Only when no INSERT is running
 * or waiting does an UPDATE of its own mark them (one at a time, folding the keys acknowledged
 * meanwhile), so an idle ingester leaves nothing unmarked.
 *
 * Under load, a flush starts at most every `flushIntervalMs` (INGEST_FLUSH_INTERVAL_MS, 2 ms)
 * while the backlog is small: when requests arrive one event at a time, the first waits up to that
 * long so that those behind it share its INSERT and its broker send. At 5,000 single-event
 * requests a second (two runs each) that took the ingest process from 0.138–0.140 to 0.122–0.128
 * ms of CPU an event, PostgreSQL from 0.077–0.080 to 0.053 and the broker from 0.024 to
 * 0.016–0.017, for about 1.5 ms more at the median. An idle ingester flushes a lone request at
 * once: the interval counts from the previous flush's start.
 *
 * One INSERT is in flight while the backlog is small: every statement has a fixed cost, and
 * concurrent INSERTs would only split the batches (four in flight cost the ingest process 25 %
 * and PostgreSQL 60 % more CPU an event with one event per request). Another one (up to
 * `concurrency`) starts while at least a quarter of `maxEvents` wait, so large deliveries use
 * more than one database backend, that is more than one core.
 *
 * Crash safety: a process killed after the INSERT and before the ack leaves rows with
 * `published_at` NULL; the relay (`relay.ts`) publishes them after a grace period. Event ids are
 * deterministic, so a re-publish is absorbed by the idempotent consumer downstream, and a
 * provider's retry of the same delivery is a duplicate in the raw store.
 *
 * Broker failure: rows this flush inserted are deleted again (still unpublished) and the requests
 * fail with a retriable error (503): nothing is half done, the provider retries.
 */
import { deadline } from "../../lib/deadline.ts";
import { errorMessage, UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import type { FinanceEvent, IngestStatus } from "../../schemas/finance.ts";
import type { OutRecord, Producer } from "../../transport/mod.ts";
import { eventJson, eventKey } from "./normalize.ts";
import { keyOf } from "./raw_store.ts";
import type { RawEventStore, RawKey } from "./raw_store.ts";

export interface IngestResult {
  event_id: string;
  status: IngestStatus;
}

export interface IngesterOptions {
  store: RawEventStore;
  producer: Producer;
  topic: string;
  logger: Logger;
  /** Most events in one flush. Default 2_000. */
  maxEvents?: number;
  /** How long a broker send may take before the flush fails, in ms. Default 10_000. */
  publishTimeoutMs?: number;
  /**
   * Most INSERTs in flight at once; more than one only while a quarter of `maxEvents` wait.
   * Default 4.
   */
  concurrency?: number;
  /**
   * Least time from one flush's start to the next one's, in ms, while fewer than a quarter of
   * `maxEvents` wait (0: none). Default 0.
   */
  flushIntervalMs?: number;
  /** Runs between the INSERT and the send (the crash point the tests kill a process at). */
  afterStore?: () => Promise<void>;
}

/** What one flush's INSERT decided: the ids it stored and the events it must send. */
interface Stored {
  inserted: Set<string>;
  insertedNow: FinanceEvent[];
  toSend: FinanceEvent[];
}

interface Submission {
  events: FinanceEvent[];
  resolve: (r: IngestResult[]) => void;
  reject: (err: unknown) => void;
}

const ackKey = (k: RawKey) => `${k.day}/${k.event_id}`;

/** The broker record of an event: keyed by symbol or source id, the request id as a header. */
export function toRecord(e: FinanceEvent): OutRecord {
  return { key: eventKey(e), value: eventJson(e), headers: { "x-request-id": e.request_id } };
}

export class Ingester {
  #queue: Submission[] = [];
  /** Events in `#queue`. */
  #queued = 0;
  #running = 0;
  #toMark: RawKey[] = [];
  #marking: Promise<void> | null = null;
  /**
   * The marks an INSERT or UPDATE is writing now. With `#toMark`, the events this process saw
   * acknowledged whose `published_at` is not written yet: a provider's retry arriving meanwhile
   * finds them unpublished in the table, but they are not. Kept as the batches themselves, not a
   * set of keys: only a flush with a duplicate asks (`#ackedKeys`), and a long-lived set that
   * grew and shrank with every flush was old-generation garbage.
   */
  #writingMarks = new Set<RawKey[]>();
  #max: number;
  #concurrency: number;
  /** Events waiting that justify another INSERT in flight. */
  #parallelAt: number;
  /** When the last flush started (performance.now()). */
  #lastFlush = -Infinity;

  constructor(private o: IngesterOptions) {
    this.#max = o.maxEvents ?? 2_000;
    this.#concurrency = o.concurrency ?? 4;
    this.#parallelAt = Math.max(1, Math.floor(this.#max / 4));
  }

  /** Whether a flush loop (another one when `running` > 0) should take the waiting events. */
  #wanted(running: number): boolean {
    return this.#queue.length > 0 &&
      (running === 0 || (running < this.#concurrency && this.#queued >= this.#parallelAt));
  }

  /** Resolves once every event is stored and acknowledged (or was already). */
  submit(events: FinanceEvent[]): Promise<IngestResult[]> {
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ events, resolve, reject });
      this.#queued += events.length;
      if (this.#wanted(this.#running)) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running++;
    // A loop stops when the rest is for the others: the last one running takes all that waits.
    while (this.#wanted(this.#running - 1)) {
      const wait = this.#lastFlush + (this.o.flushIntervalMs ?? 0) - performance.now();
      if (wait > 0 && this.#queued < this.#parallelAt) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      this.#lastFlush = performance.now();
      let n = 0, k = 0;
      while (k < this.#queue.length && (k === 0 || n + this.#queue[k].events.length <= this.#max)) {
        n += this.#queue[k++].events.length;
      }
      const batch = this.#queue.splice(0, k);
      this.#queued -= n;
      let stored: Stored;
      try {
        stored = await this.#store(batch.flatMap((s) => s.events));
      } catch (err) {
        for (const s of batch) s.reject(err);
        continue;
      }
      // Not awaited: the send overlaps the next INSERT (the producer folds concurrent sends).
      void this.#finish(batch, stored);
    }
    this.#running--;
    // The marks acknowledged during the last INSERT have no INSERT left to ride on.
    this.#markAlone();
  }

  /** Stores the events (and marks the keys acknowledged since); decides what must be sent. */
  async #store(all: FinanceEvent[]): Promise<Stored> {
    const unique = [...new Map(all.map((e) => [e.event_id, e])).values()];
    const marks = this.#toMark.splice(0, this.#max);
    this.#writingMarks.add(marks);
    let inserted: Set<string>;
    try {
      inserted = await this.o.store.insert(unique, marks);
    } catch (err) {
      this.#markFailed(marks.length, err);
      throw err;
    } finally {
      this.#writingMarks.delete(marks);
    }
    // A duplicate whose first delivery never reached the broker (it crashed, or is in flight
    // elsewhere) is sent again: downstream absorbs a second copy, never a missing one. Its row is
    // claimed for this send, so a flush whose send fails meanwhile does not delete it; one that
    // such a flush deleted before the claim is stored again, by this flush.
    let unsure = unique.filter((e) => !inserted.has(e.event_id));
    if (unsure.length > 0) {
      // Decided before the query: an UPDATE finishing during it no longer counts its keys.
      const acked = this.#ackedKeys();
      unsure = unsure.filter((e) => !acked.has(ackKey(keyOf(e))));
    }
    const pending: FinanceEvent[] = [];
    for (let round = 0; unsure.length > 0; round++) {
      const claim = await this.o.store.claimUnpublished(unsure.map(keyOf));
      pending.push(...claim.events);
      if (claim.missing.length === 0) break;
      if (round === 2) {
        throw new UpstreamError(
          "RAW_STORE_RACE",
          "Events were deleted and stored again by concurrent deliveries; retry",
        );
      }
      const gone = new Set(claim.missing.map(ackKey));
      const again = unsure.filter((e) => gone.has(ackKey(keyOf(e))));
      const storedAgain = await this.o.store.insert(again);
      for (const id of storedAgain) inserted.add(id);
      // Stored again by another flush meanwhile: claimed in the next round.
      unsure = again.filter((e) => !storedAgain.has(e.event_id));
    }
    const insertedNow = unique.filter((e) => inserted.has(e.event_id));
    return { inserted, insertedNow, toSend: [...insertedNow, ...pending] };
  }

  /** Publishes a stored flush and answers its requests. */
  async #finish(batch: Submission[], { inserted, insertedNow, toSend }: Stored): Promise<void> {
    try {
      await this.o.afterStore?.();
      if (toSend.length > 0) await this.#publish(toSend, insertedNow);
    } catch (err) {
      for (const s of batch) s.reject(err);
      return;
    }
    // Not awaited: the events are stored and acknowledged, which is what the answer promises.
    this.#markPublished(toSend.map(keyOf));
    for (const e of toSend) {
      this.o.logger.debug("event published", {
        event_id: e.event_id,
        request_id: e.request_id,
        source: e.source,
      });
    }
    // The first occurrence in the flush is `accepted`; any other, in any request, `duplicate`.
    for (const s of batch) s.resolve(answer(s.events, inserted));
  }

  /**
   * Queues acknowledged events to be marked published: by the next INSERT if one is running or
   * waiting, else by an UPDATE of their own. A mark that is lost leaves its events to the relay,
   * whose re-publish downstream absorbs.
   */
  #markPublished(keys: RawKey[]): void {
    for (const k of keys) this.#toMark.push(k);
    this.#markAlone();
  }

  /** The keys of events acknowledged whose mark is queued or being written. */
  #ackedKeys(): Set<string> {
    const keys = new Set(this.#toMark.map(ackKey));
    for (const batch of this.#writingMarks) for (const k of batch) keys.add(ackKey(k));
    return keys;
  }

  /**
   * While no INSERT runs or waits, marks the queued keys with UPDATEs, one at a time (keys
   * acknowledged while one runs go into the next); as soon as an INSERT runs, it takes them.
   */
  #markAlone(): void {
    if (this.#marking || this.#toMark.length === 0 || this.#running > 0) return;
    this.#marking = (async () => {
      while (this.#toMark.length > 0 && this.#running === 0) {
        const batch = this.#toMark.splice(0, this.#max);
        this.#writingMarks.add(batch);
        await this.o.store.markPublished(batch).catch((err) => this.#markFailed(batch.length, err));
        this.#writingMarks.delete(batch);
      }
      this.#marking = null;
    })();
  }

  #markFailed(events: number, err: unknown): void {
    if (events === 0) return;
    this.o.logger.warn("marking events published failed; the relay sends them again", {
      events,
      reason: errorMessage(err),
    });
  }

  async #publish(events: FinanceEvent[], insertedNow: FinanceEvent[]): Promise<void> {
    try {
      await deadline(
        this.o.producer.send(this.o.topic, events.map(toRecord)),
        this.o.publishTimeoutMs ?? 10_000,
      );
    } catch (err) {
      // Undo the INSERT so that nothing is half done; if even that fails, the relay publishes.
      await this.o.store.forget(insertedNow).catch((e) =>
        this.o.logger.error("undoing the insert of unpublished events failed", {
          events: insertedNow.length,
          reason: errorMessage(e),
        })
      );
      this.o.logger.warn("publishing finance events failed", {
        events: events.length,
        request_ids: [...new Set(events.map((e) => e.request_id))].slice(0, 20),
        reason: errorMessage(err),
      });
      throw new UpstreamError("BROKER_UNAVAILABLE", `Publishing to ${this.o.topic} failed`, {
        cause: err,
      });
    }
  }
}

/**
 * Each event of one request: accepted when this flush stored it and no earlier request of the
 * flush claimed it, else a duplicate. Removes what it claims from `inserted`.
 */
function answer(events: FinanceEvent[], inserted: Set<string>): IngestResult[] {
  return events.map((e) => {
    const first = inserted.delete(e.event_id);
    return { event_id: e.event_id, status: first ? "accepted" : "duplicate" };
  });
}
