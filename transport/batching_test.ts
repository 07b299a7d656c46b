import assert from "node:assert/strict";
import { BatchingProducer } from "./batching.ts";
import { MemoryTransport } from "./memory.ts";
import { RecordTooLargeError } from "./size.ts";
import type { Delivery, OutRecord, Producer } from "./types.ts";

/** A producer whose sends resolve when the test says, recording each send's size. */
function gated() {
  const sends: Array<{ records: OutRecord[]; release: (err?: Error) => void }> = [];
  let offset = 0;
  const inner: Producer = {
    send: (topic, records) =>
      new Promise<Delivery[]>((resolve, reject) => {
        sends.push({
          records,
          release: (err) =>
            err
              ? reject(err)
              : resolve(records.map(() => ({ topic, partition: 0, offset: String(offset++) }))),
        });
      }),
    close: () => Promise.resolve(),
  };
  return { inner, sends };
}

const rec = (v: string): OutRecord => ({ key: v, value: v });

Deno.test("sends made while one is in flight share the next send, each gets its own deliveries", async () => {
  const { inner, sends } = gated();
  const p = new BatchingProducer(inner);
  const a = p.send("t", [rec("a")]);
  const b = p.send("t", [rec("b1"), rec("b2")]);
  const c = p.send("t", [rec("c")]);
  assert.equal(sends.length, 1);
  sends[0].release();
  assert.deepEqual((await a).map((d) => d.offset), ["0"]);
  assert.equal(sends.length, 2);
  assert.equal(sends[1].records.length, 3);
  sends[1].release();
  assert.deepEqual((await b).map((d) => d.offset), ["1", "2"]);
  assert.deepEqual((await c).map((d) => d.offset), ["3"]);
});

Deno.test("a failed send rejects every caller in it and not the next ones", async () => {
  const { inner, sends } = gated();
  const p = new BatchingProducer(inner, { maxRecords: 2 });
  const a = p.send("t", [rec("a")]);
  const b = p.send("t", [rec("b")]);
  const c = p.send("t", [rec("c")]);
  const d = p.send("t", [rec("d")]);
  sends[0].release();
  await a;
  assert.equal(sends[1].records.length, 2); // b and c: maxRecords
  sends[1].release(new Error("broker down"));
  await assert.rejects(b, /broker down/);
  await assert.rejects(c, /broker down/);
  sends[2].release();
  assert.equal((await d).length, 1);
});

Deno.test("a record too large fails only its own caller; the others' records are sent", async () => {
  const t = new MemoryTransport();
  t.broker.topicLimits.set("t", 50_000);
  const p = new BatchingProducer(await t.producer());
  const first = p.send("t", [rec("first")]);
  const [a, big, c] = [
    p.send("t", [rec("a1"), rec("a2")]),
    p.send("t", [rec("b"), { key: "b", value: "x".repeat(60_000) }]),
    p.send("t", [rec("c")]),
  ];
  await first;
  assert.equal((await a).length, 2);
  assert.equal((await c).length, 1);
  const err = await big.catch((e) => e);
  assert.ok(err instanceof RecordTooLargeError, String(err));
  assert.deepEqual(err.refused.map((r) => r.index), [1], "indices are the caller's own");
  const kept = t.broker.topic("t").partitions[0].map((m) => new TextDecoder().decode(m.value!));
  assert.deepEqual(kept, ["first", "a1", "a2", "c"]);
});

Deno.test("under load a send waits for the interval, so the sends behind it share one request", async () => {
  const { inner, sends } = gated();
  const p = new BatchingProducer(inner, { maxRecords: 40, intervalMs: 300 });
  const started = performance.now();
  // After a quiet spell the first send goes out at once.
  const a = p.send("t", [rec("a")]);
  assert.equal(sends.length, 1);
  sends[0].release();
  await a;
  const rest = ["b", "c", "d"].map((v) => p.send("t", [rec(v)]));
  // Another send waits for the interval to pass since the first one's start.
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(sends.length, 1, "the second send started within the interval");
  const deadline = Date.now() + 5_000;
  while (sends.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(performance.now() - started >= 300, "the second send started within the interval");
  assert.equal(sends[1].records.length, 3);
  sends[1].release();
  assert.deepEqual((await Promise.all(rest)).flat().map((d) => d.offset), ["1", "2", "3"]);
  // A quarter of maxRecords waiting does not wait for the interval.
  const backlog = p.send("t", Array.from({ length: 10 }, (_, i) => rec(`e${i}`)));
  assert.equal(sends.length, 3, "a backlog waited for the interval");
  sends[2].release();
  assert.equal((await backlog).length, 10);
  // Closing sends what waits at once.
  const last = p.send("t", [rec("z")]);
  assert.equal(sends.length, 3);
  const closed = p.close();
  assert.equal(sends.length, 4, "closing left a send waiting for the interval");
  sends[3].release();
  assert.equal((await last).length, 1);
  await closed;
});
