/**
 * The outbox relay of the ingest role: publishes raw events still unpublished after a grace
 * period (their process died between the INSERT and the broker's ack) and marks them, then keeps
 * the day partitions (created ahead, dropped after the retention). Several ingest processes may
 * run it at once: rows are claimed with FOR UPDATE SKIP LOCKED, partitions under an advisory lock.
 */
import { errorMessage } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { delay } from "../../lib/retry.ts";
import type { Producer } from "../../transport/mod.ts";
import { taskHandle } from "../../runtime/children.ts";
import type { ChildHandle } from "../../runtime/supervisor.ts";
import { toRecord } from "./ingester.ts";
import type { RawEventStore } from "./raw_store.ts";

export interface RelayOptions {
  store: RawEventStore;
  producer: Producer;
  topic: string;
  logger: Logger;
  /** Only rows unpublished for longer than this are relayed (a live flush owns younger ones). */
  graceMs: number;
  intervalMs: number;
  /** Between partition maintenance runs, in ms. Default one hour. */
  maintainEveryMs?: number;
  batchSize?: number;
}

/** One relay pass: publishes until no row is left; returns how many were relayed. */
export async function relayOnce(o: RelayOptions): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await o.store.relay(o.graceMs, o.batchSize ?? 500, async (events) => {
      await o.producer.send(o.topic, events.map(toRecord));
      for (const e of events) {
        o.logger.info("unpublished event relayed", {
          event_id: e.event_id,
          request_id: e.request_id,
        });
      }
    });
    total += n;
    if (n === 0) return total;
  }
}

export function startRelay(o: RelayOptions): ChildHandle {
  const stopping = new AbortController();
  const maintainEvery = o.maintainEveryMs ?? 3_600_000;
  const run = async () => {
    let lastMaintained = 0;
    while (!stopping.signal.aborted) {
      try {
        if (Date.now() - lastMaintained >= maintainEvery) {
          const dropped = await o.store.maintain();
          lastMaintained = Date.now();
          if (dropped.length) o.logger.info("raw partitions dropped", { partitions: dropped });
        }
        await relayOnce(o);
      } catch (err) {
        // The database or the broker is away: the rows wait, the next pass tries again.
        o.logger.warn("relay pass failed", { reason: errorMessage(err) });
      }
      await delay(o.intervalMs, stopping.signal).catch(() => {});
    }
  };
  return taskHandle(run(), stopping, undefined);
}
