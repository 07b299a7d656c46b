import assert from "node:assert/strict";
import { Actor } from "../runtime/actor.ts";
import { MemoryBrokerSizeError, MemoryTransport } from "./memory.ts";
import { RecordTooLargeError } from "./size.ts";
import type { Envelope } from "./types.ts";

async function until(cond: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function collector(seen: string[], failOffset?: string) {
  let failed = false;
  return new Actor<Envelope>({
    capacity: 10,
    batchSize: 5,
    handle: (batch) => {
      for (const e of batch) {
        if (!failed && e.message.offset === failOffset) {
          failed = true;
          e.nack(new Error("write failed"));
          continue;
        }
        seen.push(`${e.message.partition}:${e.message.offset}`);
        e.ack();
      }
      return Promise.resolve();
    },
  }).start();
}

Deno.test("the memory broker keeps one key on one partition with increasing offsets", async () => {
  const t = new MemoryTransport();
  const admin = await t.admin();
  await admin.ensureTopics([{ topic: "t", partitions: 3 }]);
  const p = await t.producer();
  const d = await p.send("t", [{ key: "k", value: "1" }, { key: "k", value: "2" }]);
  assert.equal(d[0].partition, d[1].partition);
  assert.equal(Number(d[1].offset), Number(d[0].offset) + 1);
});

Deno.test("offsets are committed only up to the last acked message", async () => {
  const t = new MemoryTransport();
  const admin = await t.admin();
  await admin.ensureTopics([{ topic: "t", partitions: 1 }]);
  const p = await t.producer();
  await p.send("t", Array.from({ length: 20 }, (_, i) => ({ value: String(i) })));
  const seen: string[] = [];
  const actor = collector(seen, "7");
  const c = t.consumer({ groupId: "g", topics: ["t"], target: actor });
  await c.start();
  // offset 7 is nacked once: it is redelivered, and nothing past 7 was committed before that.
  await until(() => seen.length >= 20);
  await until(async () => (await admin.lag("g", "t"))[0].lag === 0);
  await c.stop();
  await actor.stop();
  assert.deepEqual([...new Set(seen)].length, 20);
  assert.ok(seen.includes("0:7"));
});

Deno.test("two members of a group split the partitions and a leaver's share moves over", async () => {
  const t = new MemoryTransport();
  const admin = await t.admin();
  await admin.ensureTopics([{ topic: "t", partitions: 4 }]);
  const p = await t.producer();
  const seenA: string[] = [], seenB: string[] = [];
  const a = collector(seenA), b = collector(seenB);
  const ca = t.consumer({ groupId: "g", topics: ["t"], target: a });
  const cb = t.consumer({ groupId: "g", topics: ["t"], target: b });
  await ca.start();
  await cb.start();
  assert.equal((await admin.describeGroup("g")).members, 2);
  await p.send("t", Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: "x" })));
  await until(() => seenA.length + seenB.length === 40);
  assert.ok(seenA.length > 0 && seenB.length > 0);
  await cb.stop();
  await p.send("t", Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: "y" })));
  await until(() => seenA.length + seenB.length === 80);
  await ca.stop();
  await a.stop();
  await b.stop();
  assert.equal(new Set([...seenA, ...seenB]).size, 80);
});

Deno.test("the memory producer chunks a send under the topic's limit, as Kafka's does", async () => {
  const t = new MemoryTransport();
  t.broker.topicLimits.set("small", 100_000);
  const p = await t.producer();
  const records = Array.from(
    { length: 1_000 },
    (_, i) => ({ key: `k${i}`, value: "v".repeat(1_000) }),
  );
  const d = await p.send("small", records);
  assert.equal(d.length, 1_000);
  assert.ok(t.broker.appends >= 10, `${t.broker.appends} appends`);
  assert.throws(() => t.broker.append("small", records), MemoryBrokerSizeError);
  const err = await p.send("small", [{ value: "x" }, { value: "y".repeat(200_000) }])
    .catch((e) => e);
  assert.ok(err instanceof RecordTooLargeError);
  assert.deepEqual(err.refused.map((r) => r.index), [1]);
  assert.equal(t.broker.topic("small").partitions[0].length, 1_000, "nothing of it was appended");
});
