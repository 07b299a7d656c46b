import assert from "node:assert/strict";
import { murmur2, partitionFor } from "./_partition.ts";

Deno.test("murmur2 matches the Java client's values", () => {
  // Reference values from org.apache.kafka.common.utils.Utils.murmur2 (its own unit test).
  const e = new TextEncoder();
  assert.equal(murmur2(e.encode("21")), -973932308);
  assert.equal(murmur2(e.encode("foobar")), -790332482);
  assert.equal(murmur2(e.encode("a-little-bit-long-string")), -985981536);
  assert.equal(murmur2(e.encode("a-little-bit-longer-string")), -1486304829);
  assert.equal(murmur2(e.encode("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  assert.equal(murmur2(e.encode("abc")), 479470107);
});

Deno.test("the same key always lands on the same partition", () => {
  const p = partitionFor("CUST-00042", 3);
  for (let i = 0; i < 10; i++) assert.equal(partitionFor("CUST-00042", 3), p);
  assert.ok(p >= 0 && p < 3);
});
