import assert from "node:assert/strict";
import client from "prom-client";
import { deadLetterReason, histogramCount, histogramQuantile } from "./metrics.ts";

Deno.test("a dead letter's reason is one of a bounded set of classes", () => {
  assert.equal(deadLetterReason("malformed JSON: Unexpected token"), "malformed");
  assert.equal(deadLetterReason("invalid order: amount must be positive"), "invalid");
  assert.equal(deadLetterReason("rejected by the database: check constraint"), "rejected");
  assert.equal(deadLetterReason("conflict: order_id repeated with different content"), "conflict");
  assert.equal(deadLetterReason("empty message (tombstone)"), "empty");
  assert.equal(deadLetterReason("Something else entirely"), "invalid");
});

Deno.test("histogram quantiles are interpolated within buckets, as Prometheus does", async () => {
  const h = new client.Histogram({
    name: "t_seconds",
    help: "t",
    buckets: [1, 2, 4],
    registers: [],
  });
  assert.equal(await histogramQuantile(h, 0.5), null);
  for (const v of [0.5, 1.5, 1.5, 3]) h.observe(v);
  assert.equal(await histogramCount(h), 4);
  assert.equal(await histogramQuantile(h, 0.5), 1.5); // rank 2 of 4: halfway through (1, 2]
  assert.equal(await histogramQuantile(h, 1), 4);
});
