/**
 * Send batching: a producer wrapper that folds the records of every `send` made while a send is
 * in flight into the next one, so concurrent callers share broker requests. Each caller still
 * resolves only with its own records' deliveries, after the broker acknowledged them, and a
 * failed send rejects every caller whose records were in it.
 */
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
      this.#done();
      for (const w of batch) w.reject(err);
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

  #done(): void {
    this.#inFlight--;
    this.#pump();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
