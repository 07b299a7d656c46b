import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { Partitioners } from "kafkajs";
import { partitionFor } from "./_partition.ts";

/** murmur2 of each key as the Java client computes it (Utils.murmur2's own unit test). */
const JAVA_MURMUR2: Record<string, number> = {
  "21": -973932308,
  "foobar": -790332482,
  "a-little-bit-long-string": -985981536,
  "a-little-bit-longer-string": -1486304829,
  "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
  "abc": 479470107,
};

Deno.test("keys land on the partitions the Java client picks", () => {
  for (const [key, hash] of Object.entries(JAVA_MURMUR2)) {
    for (const n of [1, 2, 3, 7, 12, 100]) {
      // The Java client: Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions.
      assert.equal(partitionFor("t", key, n), (hash & 0x7fffffff) % n, `${key} of ${n}`);
    }
  }
});

Deno.test("the same key always lands on the same partition", () => {
  const p = partitionFor("t", "CUST-00042", 3);
  for (let i = 0; i < 10; i++) assert.equal(partitionFor("t", "CUST-00042", 3), p);
  assert.ok(p >= 0 && p < 3);
});

Deno.test("records without a key are spread over every partition", () => {
  const seen = new Set(Array.from({ length: 6 }, () => partitionFor("spread", null, 3)));
  assert.deepEqual([...seen].sort(), [0, 1, 2]);
});

Deno.test("a key given as bytes lands where the same key as text does", () => {
  const bytes = new TextEncoder().encode("CUST-00042");
  for (const n of [1, 3, 7]) {
    assert.equal(partitionFor("t", bytes, n), partitionFor("t", "CUST-00042", n));
  }
});

Deno.test("any key lands where kafkajs's own default partitioner puts it", () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const key = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 200 }),
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }),
  );
  fc.assert(
    fc.property(key, fc.integer({ min: 1, max: 1_000 }), (k, n) => {
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
      const theirs = kafkajs({
        topic: "t",
        partitionMetadata,
        message: { key: typeof k === "string" ? k : Buffer.from(k), value: null },
      });
      assert.equal(partitionFor("t", k, n), theirs);
    }),
    { numRuns: 5_000 },
  );
});
