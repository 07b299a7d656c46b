import assert from "node:assert/strict";
import type { DeadLetter, Envelope } from "../transport/types.ts";
import { createBatchWorker } from "./batch_worker.ts";

const encoder = new TextEncoder();

function envelope(offset: number, value: string, log: string[]): Envelope {
  return {
    message: {
      topic: "t",
      partition: 0,
      offset: String(offset),
      key: null,
      value: encoder.encode(value),
      headers: {},
      timestamp: "0",
    },
    ack: () => log.push(`ack ${offset}`),
    nack: () => log.push(`nack ${offset}`),
  };
}

const decode = (env: Envelope) => {
  const text = new TextDecoder().decode(env.message.value!);
  if (text === "skip") return undefined;
  return text.startsWith("bad") ? { invalid: text } : text;
};

Deno.test("a worker dead-letters invalid messages, handles the rest, then acks the batch", async () => {
  const log: string[] = [];
  const dead: DeadLetter[] = [];
  const worker = createBatchWorker<string>({
    decode,
    deadLetters: {
      send: (items) => {
        dead.push(...items);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    },
    handle: async (items, batch) => {
      log.push(`handle ${items.map((i) => i.value).join(",")}`);
      await batch.deadLetter([{ env: items[0].env, reason: "refused" }]);
    },
    sizing: {},
    defaults: { capacity: 10, batchSize: 10, flushMs: 0 },
  });
  for (const [i, v] of ["a", "bad 1", "skip", "b"].entries()) worker.offer(envelope(i, v, log));
  await worker.start().stop();
  assert.deepEqual(log, ["handle a,b", "ack 0", "ack 1", "ack 2", "ack 3"]);
  assert.deepEqual(dead.map((d) => [d.env.message.offset, d.reason]), [
    ["1", "bad 1"],
    ["0", "refused"],
  ]);
});

Deno.test("a worker whose handler throws nacks the whole batch and crashes", async () => {
  const log: string[] = [];
  const worker = createBatchWorker<string>({
    decode,
    handle: () => Promise.reject(new Error("database down")),
    sizing: { batchSize: 10 },
    defaults: { capacity: 10, batchSize: 1, flushMs: 0 },
  }).start();
  worker.offer(envelope(0, "a", log));
  worker.offer(envelope(1, "b", log));
  await assert.rejects(worker.done, /database down/);
  assert.deepEqual(log, ["nack 0", "nack 1"]);
});
