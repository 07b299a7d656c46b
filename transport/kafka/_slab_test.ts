import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import ProduceV3 from "kafkajs/src/protocol/requests/produce/v3/request.js";
import Encoder from "kafkajs/src/protocol/encoder.js";
import { originalEnsureAvailable, slabBuffer, slabEncoding } from "./_slab.ts";
import { fastVarints } from "./_varint.ts";

fastVarints();
slabEncoding();

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 700 }),
  fc.integer({ min: 30_000, max: 70_000 }).map((n) => "x".repeat(n)),
);
const message = fc.record({
  key: fc.option(text, { nil: null }),
  value: text,
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 }), {
    maxKeys: 3,
  }),
  timestamp: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
});

/** One produce request's bytes, as kafkajs sends it. */
async function produce(messages: unknown[]): Promise<number[]> {
  const request = ProduceV3({
    acks: -1,
    timeout: 30_000,
    compression: 0,
    producerId: 7,
    producerEpoch: 0,
    topicData: [{ topic: "t", partitions: [{ partition: 0, firstSequence: 0, messages }] }],
  });
  return [...(await request.encode()).buffer];
}

Deno.test("a produce request encodes to kafkajs's own bytes with the slab", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 30 }), async (messages) => {
      const slab = await produce(messages);
      const grow = Encoder.prototype.ensureAvailable;
      Encoder.prototype.ensureAvailable = originalEnsureAvailable;
      try {
        assert.deepEqual(slab, await produce(messages));
      } finally {
        Encoder.prototype.ensureAvailable = grow;
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("slab buffers are zero-filled and never share bytes", () => {
  const bufs = Array.from({ length: 2_000 }, (_, i) => slabBuffer(512 << (i % 5)));
  bufs.push(slabBuffer(100_000));
  for (const b of bufs) {
    assert.ok(Buffer.isBuffer(b));
    assert.ok(b.every((x) => x === 0));
    b.fill(0xff);
  }
  // Filling each one left every other one whole: no two overlap.
  for (const b of bufs) assert.ok(b.every((x) => x === 0xff));
});
