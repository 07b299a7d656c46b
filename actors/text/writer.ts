/**
 * The text writer: an actor whose mailbox receives `text-messages` envelopes. Per batch it
 * parses and validates each message, dead-letters the bad ones (with reason and original
 * bytes), inserts the good ones idempotently by id, retries transient database errors with
 * backoff (raising a `/ready` condition meanwhile, until the actor is asked to stop), and only then acks. Up to `concurrency`
 * batches are stored at once, so decoding overlaps the database's work; acks may come out of
 * order and the consumer commits only the acked prefix. A message whose id is stored with a
 * different text is a conflict: dead-lettered, never overwritten. If the database stays down the actor crashes with a retriable
 * error: every envelope is nacked, nothing is committed, and its supervisor restarts it. A row
 * the database refuses (a data error the schema did not catch) is isolated from its batch and
 * dead-lettered with the database's reason; a statement at fault crashes without retrying.
 */
import { errorMessage, isRetriable, UpstreamError } from "../../lib/errors.ts";
import { clearCondition, raiseCondition } from "../../lib/health.ts";
import type { Logger } from "../../lib/log.ts";
import {
  batchSeconds,
  messagesDuplicate,
  messagesWritten,
  writeRetries,
} from "../../lib/metrics.ts";
import { retry } from "../../lib/retry.ts";
import { decodeWith, FastTextMessage, parseMessage } from "../../schemas/mod.ts";
import type { TextMessage } from "../../schemas/mod.ts";
import { mergeInserts } from "./store.ts";
import type { TextMessageStore } from "./store.ts";
import type { DeadLetter, Envelope, Producer } from "../../transport/mod.ts";
import { TopicDeadLetters } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import { insertIsolating } from "../../db/isolate.ts";

export interface TextWriterOptions {
  store: TextMessageStore;
  producer: Producer;
  logger: Logger;
  /** Mailbox capacity. Default 5_000. */
  capacity?: number;
  /** Mailbox bound in bytes of keys and values (0: count only). Default 2 MiB. */
  maxBytes?: number;
  /** Largest insert. Default 2_500. */
  batchSize?: number;
  /** How long a partial batch waits to fill, in ms. Default 50. */
  flushMs?: number;
  /** Batches stored at once, each on its own connection. Default 2. */
  concurrency?: number;
  /**
   * Retries of a failed insert before the actor crashes (about 25 s of backoff, 2 s apart at
   * most); a stop ends them at once. Default 15.
   */
  retries?: number;
  /** Test hook, called before each insert: throw from it to inject a fault. */
  beforeInsert?: (rows: number) => void;
}

const PIPELINE = "text";
/** The `/ready` condition raised while inserts fail and are being retried. */
export const TEXT_CONDITION = "text";

type Row = { id: string; message: string; env: Envelope };

export function createTextWriter(options: TextWriterOptions): Actor<Envelope> {
  const { store, logger: log } = options;
  // Inserts being retried now: the `/ready` condition stays up until none is.
  let failing = 0;
  const insert = async (rows: Row[], signal: AbortSignal) => {
    let retried = false;
    try {
      const stored = await retry(() =>
        insertIsolating(rows, (chunk) => {
          options.beforeInsert?.(chunk.length);
          return store.insertBatch(chunk);
        }, mergeInserts), {
        retries: options.retries ?? 15,
        initialMs: 100,
        // Capped low so a database that comes back is used within about 2 s.
        maxMs: 2_000,
        signal,
        onRetry: (err, attempt, delayMs) => {
          writeRetries.inc({ pipeline: PIPELINE });
          if (!retried) failing++;
          retried = true;
          raiseCondition(
            TEXT_CONDITION,
            `storing text messages failed, retrying: ${errorMessage(err)}`,
          );
          log.warn("insert failed, retrying", { attempt, delayMs, rows: rows.length, err });
        },
      });
      if (retried) failing--;
      if (failing === 0) clearCondition(TEXT_CONDITION);
      return stored;
    } catch (err) {
      // The condition stays up: the restarted writer clears it once it stores again.
      if (retried) failing--;
      throw new UpstreamError("WRITE_FAILED", "Storing text messages failed", {
        cause: err,
        retriable: isRetriable(err),
      });
    }
  };

  return createBatchWorker<TextMessage>({
    deadLetters: new TopicDeadLetters(options.producer, log),
    decode: decodeWith(FastTextMessage, "message"),
    handle: async (items, batch) => {
      const started = performance.now();
      // One row per id: a repeat within the batch is a duplicate, or a conflict if its text differs.
      const first = new Map<string, Row>();
      const repeats: Row[] = [];
      for (const { value, env } of items) {
        const row = { id: value.id, message: value.text, env };
        if (first.has(row.id)) repeats.push(row);
        else first.set(row.id, row);
      }
      // In id order, as the store writes them: sorting the bare ids natively is several times
      // cheaper than sorting the rows with a comparator (it was the writer's costliest step).
      const rows = [...first.keys()].sort().map((id) => first.get(id)!);
      const stored = rows.length === 0
        ? { result: undefined, rejected: [] }
        : await insert(rows, batch.stopping);
      // Dead-lettering logs each one, with its id.
      const bad = new Map<string, string>();
      for (const { item, reason } of stored.rejected) {
        bad.set(item.id, `rejected by the database: ${reason}`);
      }
      for (const id of stored.result?.conflicts ?? []) {
        bad.set(id, "conflict: id already stored with a different text");
      }
      const dead: DeadLetter[] = [...bad].map(([id, reason]) => ({
        env: first.get(id)!.env,
        reason,
        fields: { id },
      }));
      let duplicates = rows.length - stored.rejected.length - (stored.result?.inserted ?? 0) -
        (stored.result?.conflicts.length ?? 0);
      for (const r of repeats) {
        const reason = bad.get(r.id) ??
          (first.get(r.id)!.message === r.message
            ? undefined
            : "conflict: id repeated in the batch with a different text");
        if (reason) dead.push({ env: r.env, reason, fields: { id: r.id } });
        else duplicates++;
      }
      await batch.deadLetter(dead);
      const inserted = stored.result?.inserted ?? 0;
      messagesWritten.inc({ pipeline: PIPELINE }, inserted);
      messagesDuplicate.inc({ pipeline: PIPELINE }, duplicates);
      batchSeconds.observe({ pipeline: PIPELINE }, (performance.now() - started) / 1000);
      log.debug("batch stored", {
        rows: items.length,
        inserted,
        deadLettered: batch.invalid.length + dead.length,
      });
    },
    sizing: {
      ...options,
      concurrency: options.concurrency ?? 2,
      maxBytes: options.maxBytes ?? 2 * 1024 * 1024,
    },
    defaults: { capacity: 5_000, batchSize: 2_500, flushMs: 50 },
  });
}

/** The message, or the reason it is invalid. */
export function parseText(value: Uint8Array | null): TextMessage | string {
  const r = parseMessage(value, FastTextMessage, "message");
  return "invalid" in r ? r.invalid : r;
}
