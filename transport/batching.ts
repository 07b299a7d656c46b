/**
 * Send batching: a producer wrapper that folds the records of every `send` made while a send is
 * in flight into the next one, so concurrent callers share broker requests. Each caller still
 * resolves only with its own records' deliveries, after the broker acknowledged them, and a
 * failed send rejects every caller whose records were in it. A record refused for its size
 * fails only its own caller (with a `RecordTooLargeError` naming its records); the others'
 * records are sent again if they had not landed.
 *
 * Under load a send starts at most every `intervalMs` (from one send's start to the next one's)
 * while fewer than a quarter of `maxRecords` wait: when callers send one record at a time, the
 * first waits up to that long so that those behind it share its broker request, as Kafka's own
 * producer does with `linger.ms`. An idle producer sends at once: the interval counts from the
 * previous send's start.
 */
import { RecordTooLargeError } from "./size.ts";
import type { Delivery, OutRecord, Producer } from "./types.ts";

export interface BatchingProducerOptions {
  /** Sends in flight at once. Default 1 (the idempotent producer keeps one in flight anyway). */
  concurrency?: number;
  /** Most records in one send. Default 5_000. */
  maxRecords?: number;
  /**
   * Least time from one send's start to the next one's, in ms, while fewer than a quarter of
   * `maxRecords` wait (0: none). Default 0.
   */
  intervalMs?: number;
}

interface Waiting {
  records: OutRecord[];
  resolve: (d: Delivery[]) => void;
  reject: (err: unknown) => void;
}

export class BatchingProducer implements Producer {
  #queues = new Map<string, Waiting[]>();
  #inFlight = 0;
  #concurrency: number;
  #max: number;
  #interval: number;
  /** Records waiting in `#queues`. */
  #waiting = 0;
  /** When the last send started (performance.now()). */
  #lastSend = -Infinity;
  /** The pump waiting for the interval to pass. */
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private inner: Producer, options: BatchingProducerOptions = {}) {
    this.#concurrency = options.concurrency ?? 1;
    this.#max = options.maxRecords ?? 5_000;
    this.#interval = options.intervalMs ?? 0;
    if (this.#concurrency < 1) throw new RangeError("Send concurrency must be at least 1");
  }

  send(topic: string, records: OutRecord[]): Promise<Delivery[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const q = this.#queues.get(topic) ?? [];
      q.push({ records, resolve, reject });
      this.#queues.set(topic, q);
      this.#waiting += records.length;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#queues.size > 0) {
      const wait = this.#lastSend + this.#interval - performance.now();
      if (wait > 0 && this.#waiting * 4 < this.#max) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, wait);
        return;
      }
      const next = this.#take();
      if (!next) return;
      this.#lastSend = performance.now();
      this.#inFlight++;
      void this.#sendBatch(next.topic, next.batch);
    }
  }

  /** The oldest topic's waiting sends, up to `maxRecords` records (at least one send). */
  #take(): { topic: string; batch: Waiting[] } | null {
    for (const [topic, q] of this.#queues) {
      let n = 0, k = 0;
      while (k < q.length && (k === 0 || n + q[k].records.length <= this.#max)) {
        n += q[k++].records.length;
      }
      const batch = q.splice(0, k);
      this.#waiting -= n;
      if (q.length === 0) this.#queues.delete(topic);
      return { topic, batch };
    }
    return null;
  }

  async #sendBatch(topic: string, batch: Waiting[]): Promise<void> {
    let deliveries: Delivery[];
    try {
      deliveries = await this.inner.send(topic, batch.flatMap((w) => w.records));
    } catch (err) {
      if (err instanceof RecordTooLargeError) this.#settleRefused(topic, batch, err);
      else for (const w of batch) w.reject(err);
      this.#done();
      return;
    }
    // The next send starts before the callers resume, so their follow-ups join it.
    this.#done();
    let at = 0;
    for (const w of batch) {
      w.resolve(deliveries.slice(at, at + w.records.length));
      at += w.records.length;
    }
  }

  /**
   * After a size refusal: the callers with a refused record fail with their part of it, those
   * whose records all landed resolve, and the rest wait for the next send, first in line.
   */
  #settleRefused(topic: string, batch: Waiting[], err: RecordTooLargeError): void {
    const again: Waiting[] = [];
    let at = 0;
    for (const w of batch) {
      const end = at + w.records.length;
      const refused = err.refused.filter((r) => r.index >= at && r.index < end)
        .map((r) => ({ index: r.index - at, bytes: r.bytes }));
      const deliveries = err.deliveries.slice(at, end);
      if (refused.length > 0) {
        w.reject(new RecordTooLargeError(topic, err.limit, refused, deliveries, err.cause));
      } else if (deliveries.length === w.records.length && deliveries.every(Boolean)) {
        w.resolve(deliveries as Delivery[]);
      } else {
        again.push(w);
      }
      at = end;
    }
    if (again.length === 0) return;
    this.#queues.set(topic, [...again, ...(this.#queues.get(topic) ?? [])]);
    for (const w of again) this.#waiting += w.records.length;
  }

  #done(): void {
    this.#inFlight--;
    this.#pump();
  }

  /** Sends what waits for the interval at once, then closes the producer. */
  close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#interval = 0;
    this.#pump();
    return this.inner.close();
  }
}
