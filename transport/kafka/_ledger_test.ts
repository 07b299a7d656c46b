import assert from "node:assert/strict";
import { ACKED, BatchAcks, NACKED } from "../_batch.ts";
import { CommitLedger } from "./_ledger.ts";

const offsets = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));

Deno.test("a later batch acked first commits nothing until the earlier one is acked", () => {
  const ledger = new CommitLedger();
  const a = new BatchAcks(3), b = new BatchAcks(2);
  ledger.add("t", 0, offsets(10, 3), a);
  ledger.add("t", 0, offsets(13, 2), b);
  for (let i = 0; i < 2; i++) b.settle(i, ACKED);
  assert.deepEqual(ledger.due(), []);
  a.settle(0, ACKED);
  assert.deepEqual(ledger.due(), [{ topic: "t", partition: 0, commit: "11" }]);
  a.settle(1, ACKED);
  a.settle(2, ACKED);
  assert.deepEqual(ledger.due(), [{ topic: "t", partition: 0, commit: "15" }]);
  assert.deepEqual(ledger.due(), [], "a commit is reported once");
  assert.equal(ledger.unsettled, 0);
});

Deno.test("a nack stops its partition's prefix and is reported with its offset", () => {
  const ledger = new CommitLedger();
  const a = new BatchAcks(3), other = new BatchAcks(1);
  ledger.add("t", 0, offsets(0, 3), a);
  ledger.add("t", 1, offsets(7, 1), other);
  const fault = new Error("fault");
  a.settle(0, ACKED);
  a.settle(1, NACKED, fault);
  a.settle(2, ACKED);
  other.settle(0, ACKED);
  assert.deepEqual(ledger.due(), [
    { topic: "t", partition: 0, commit: "1", nacked: { offset: "1", error: fault } },
    { topic: "t", partition: 1, commit: "8" },
  ]);
  ledger.reset("t", 0);
  assert.deepEqual(ledger.due(), []);
});

Deno.test("a reset forgets what was handed over: its acks commit nothing", () => {
  const ledger = new CommitLedger();
  const a = new BatchAcks(2);
  ledger.add("t", 0, offsets(0, 2), a);
  assert.equal(ledger.unsettled, 2);
  ledger.reset();
  a.settle(0, ACKED);
  a.settle(1, ACKED);
  assert.deepEqual(ledger.due(), []);
  assert.equal(ledger.unsettled, 0);
});
