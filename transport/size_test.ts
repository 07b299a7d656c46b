import assert from "node:assert/strict";
import { isRetriable, UpstreamError } from "../lib/errors.ts";
import {
  chunkRecords,
  isSizeRefusal,
  recordBytes,
  RecordTooLargeError,
  sendBounded,
  usableBytes,
} from "./size.ts";
import type { Delivery, OutRecord } from "./types.ts";

const rec = (bytes: number, key = "k"): OutRecord => ({ key, value: "x".repeat(bytes) });

/** A broker taking at most `limit` record bytes per partition per request; counts requests. */
function fakeBroker(limit: number) {
  const requests: number[][] = [];
  let offset = 0;
  const send = (records: OutRecord[], partitions: number[]): Promise<Delivery[]> => {
    const per = new Map<number, number>();
    records.forEach((r, i) =>
      per.set(partitions[i], (per.get(partitions[i]) ?? 0) + recordBytes(r))
    );
    if ([...per.values()].some((b) => b > limit)) {
      return Promise.reject(Object.assign(new Error("too large"), { type: "MESSAGE_TOO_LARGE" }));
    }
    requests.push(records.map((r) => recordBytes(r)));
    return Promise.resolve(partitions.map((partition) => ({
      topic: "t",
      partition,
      offset: String(offset++),
    })));
  };
  return { send, requests };
}

Deno.test("chunks keep each partition's batch under the budget and keep the order", () => {
  const sizes = [400, 400, 400, 100, 400, 400];
  const parts = [0, 0, 1, 0, 0, 1];
  const chunks = chunkRecords(sizes, parts, 1_000);
  assert.deepEqual(chunks.flat(), [0, 1, 2, 3, 4, 5], "every record once, in order");
  for (const c of chunks) {
    for (const p of [0, 1]) {
      const used = c.filter((i) => parts[i] === p).reduce((n, i) => n + sizes[i], 0);
      assert.ok(used <= 1_000, `partition ${p} takes ${used} bytes in one chunk`);
    }
  }
  assert.deepEqual(chunks, [[0, 1, 2, 3], [4, 5]]);
});

Deno.test("a send over the limit goes out in several requests, each accepted", async () => {
  const limit = 100_000;
  const broker = fakeBroker(limit);
  const records = Array.from({ length: 300 }, () => rec(1_000));
  const d = await sendBounded("t", records, records.map(() => 0), limit, broker.send);
  assert.equal(d.length, 300);
  assert.ok(broker.requests.length >= 3, `${broker.requests.length} requests`);
  for (const r of broker.requests) assert.ok(r.reduce((a, b) => a + b, 0) <= usableBytes(limit));
  assert.deepEqual(d.map((x) => Number(x.offset)), [...Array(300).keys()], "deliveries in order");
});

Deno.test("a record too large on its own is refused up front and nothing is sent", async () => {
  const broker = fakeBroker(100_000);
  const records = [rec(10), rec(200_000), rec(10)];
  const err = await sendBounded("t", records, [0, 0, 0], 100_000, broker.send).catch((e) => e);
  assert.ok(err instanceof RecordTooLargeError);
  assert.deepEqual(err.refused.map((r) => r.index), [1]);
  assert.equal(err.code, "RECORD_TOO_LARGE");
  assert.equal(isRetriable(err), false, "a size refusal is never retried as transient");
  assert.equal(broker.requests.length, 0);
  assert.match(err.message, /refused 1 record\(s\) over its limit of 100000 bytes/);
});

Deno.test("a broker stricter than the limit read: refused records are found, the rest sent", async () => {
  // The topic says 100 kB, the broker takes 5 kB: every record of 8 kB is refused alone.
  const broker = fakeBroker(5_000);
  const records = [rec(100), rec(8_000), rec(100), rec(100), rec(8_000), rec(100)];
  const err = await sendBounded("t", records, records.map(() => 0), 100_000, broker.send)
    .catch((e) => e);
  assert.ok(err instanceof RecordTooLargeError);
  assert.deepEqual(err.refused.map((r) => r.index), [1, 4]);
  assert.deepEqual(err.deliveries.map((d) => d !== undefined), [
    true,
    false,
    true,
    true,
    false,
    true,
  ]);
});

Deno.test("size refusals are recognised inside causes and aggregates, other errors are not", () => {
  const kafka = Object.assign(new Error("x"), { type: "MESSAGE_TOO_LARGE", retriable: false });
  assert.ok(isSizeRefusal(kafka));
  assert.ok(isSizeRefusal(new UpstreamError("PRODUCE_FAILED", "failed", { cause: kafka })));
  assert.ok(isSizeRefusal({ errors: [new Error("a"), { type: "RECORD_LIST_TOO_LARGE" }] }));
  assert.ok(isSizeRefusal({ originalError: { type: "INVALID_RECORD" } }));
  assert.ok(!isSizeRefusal(Object.assign(new Error("x"), { type: "LEADER_NOT_AVAILABLE" })));
  assert.ok(!isSizeRefusal(new Error("ECONNREFUSED")));
});
