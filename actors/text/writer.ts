/**
 * The text writer: an actor whose mailbox receives `text-messages` envelopes. Per batch it
 * parses and validates each message, dead-letters the bad ones (with reason and original
 * bytes), inserts the good ones idempotently by id, retries transient database errors with
 * backoff (until the actor is asked to stop), and only then acks. If the database stays down the actor crashes with a retriable
 * error: every envelope is nacked, nothing is committed, and its supervisor restarts it. A row
 * the database refuses (a data error the schema did not catch) is isolated from its batch and
 * dead-lettered with the database's reason; a statement at fault crashes without retrying.
 */
import { isRetriable, UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import {
  batchSeconds,
  messagesDuplicate,
  messagesWritten,
  writeRetries,
} from "../../lib/metrics.ts";
import { retry } from "../../lib/retry.ts";
import { decodeWith, parseMessage, TextMessage } from "../../schemas/mod.ts";
import type { TextMessageStore } from "./store.ts";
import type { Envelope, Producer } from "../../transport/mod.ts";
import { TopicDeadLetters } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import { insertIsolating } from "../../db/isolate.ts";

export interface TextWriterOptions {
  store: TextMessageStore;
  producer: Producer;
  logger: Logger;
  /** Mailbox capacity. Default 20_000. */
  capacity?: number;
  /** Largest insert. Default 5_000. */
  batchSize?: number;
  /** How long a partial batch waits to fill, in ms. Default 50. */
  flushMs?: number;
  /**
   * Retries of a failed insert before the actor crashes (about 25 s of backoff, 2 s apart at
   * most); a stop ends them at once. Default 15.
   */
  retries?: number;
  /** Test hook, called before each insert: throw from it to inject a fault. */
  beforeInsert?: (rows: number) => void;
}

const PIPELINE = "text";

export function createTextWriter(options: TextWriterOptions): Actor<Envelope> {
  const { store, logger: log } = options;
  return createBatchWorker<TextMessage>({
    deadLetters: new TopicDeadLetters(options.producer, log),
    decode: decodeWith(TextMessage, "message"),
    handle: async (items, batch) => {
      const started = performance.now();
      const rows = items.map(({ value, env }) => ({ id: value.id, message: value.text, env }));
      const stored = rows.length === 0
        ? { result: 0, rejected: [] }
        : await retry(() =>
          insertIsolating(rows, (chunk) => {
            options.beforeInsert?.(chunk.length);
            return store.insertBatch(chunk);
          }, (a, b) => a + b), {
          retries: options.retries ?? 15,
          initialMs: 100,
          // Capped low so a database that comes back is used within about 2 s.
          maxMs: 2_000,
          signal: batch.stopping,
          onRetry: (err, attempt, delayMs) => {
            writeRetries.inc({ pipeline: PIPELINE });
            log.warn("insert failed, retrying", { attempt, delayMs, rows: rows.length, err });
          },
        }).catch((err) => {
          throw new UpstreamError("WRITE_FAILED", "Storing text messages failed", {
            cause: err,
            retriable: isRetriable(err),
          });
        });
      // Dead-lettering logs each one, with its id.
      const refused = stored.rejected.map(({ item, reason }) => ({
        env: item.env,
        reason: `rejected by the database: ${reason}`,
        fields: { id: item.id },
      }));
      await batch.deadLetter(refused);
      const deadLettered = batch.invalid.length + refused.length;
      const inserted = stored.result ?? 0;
      messagesWritten.inc({ pipeline: PIPELINE }, inserted);
      messagesDuplicate.inc({ pipeline: PIPELINE }, rows.length - refused.length - inserted);
      batchSeconds.observe({ pipeline: PIPELINE }, (performance.now() - started) / 1000);
      log.debug("batch stored", { rows: rows.length, inserted, deadLettered });
    },
    sizing: options,
    defaults: { capacity: 20_000, batchSize: 5_000, flushMs: 50 },
  });
}

/** The message, or the reason it is invalid. */
export function parseText(value: Uint8Array | null): TextMessage | string {
  const r = parseMessage(value, TextMessage, "message");
  return "invalid" in r ? r.invalid : r;
}
