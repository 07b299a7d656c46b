/**
 * Send batching: a producer wrapper that folds the records of every `send` made while a send is
 * in flight into the next one, so concurrent callers share broker requests. Each caller still
 * resolves only with its own records' deliveries, after the broker acknowledged them, and a
 * failed send rejects every caller whose records were in it. A record refused for its size
 * fails only its own caller (with a `RecordTooLargeError` naming its records); the others'
 * records are sent again if they had not landed.
 */
import { RecordTooLargeError } from "./size.ts";
import type { Delivery, OutRecord, Producer } from "./types.ts";

export interface BatchingProducerOptions {
  /** Sends in flight at once. Default 1 (the idempotent producer keeps one in flight anyway). */
  concurrency?: number;
  /** Most records in one send. Default 5_000. */
  maxRecords?: number;
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

  constructor(private inner: Producer, options: BatchingProducerOptions = {}) {
    this.#concurrency = options.concurrency ?? 1;
    this.#max = options.maxRecords ?? 5_000;
    if (this.#concurrency < 1) throw new RangeError("Send concurrency must be at least 1");
  }

  send(topic: string, records: OutRecord[]): Promise<Delivery[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const q = this.#queues.get(topic) ?? [];
      q.push({ records, resolve, reject });
      this.#queues.set(topic, q);
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency) {
      const next = this.#take();
      if (!next) return;
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
    if (again.length > 0) this.#queues.set(topic, [...again, ...(this.#queues.get(topic) ?? [])]);
  }

  #done(): void {
    this.#inFlight--;
    this.#pump();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
