import assert from "node:assert/strict";
import { Actor } from "./actor.ts";
import { Mailbox } from "./mailbox.ts";

Deno.test("a full mailbox refuses offers and makes put wait for space", async () => {
  const box = new Mailbox<number>(2);
  assert.ok(box.offer(1));
  assert.ok(box.offer(2));
  assert.equal(box.offer(3), false);
  let put = false;
  const waiting = box.put(3).then(() => (put = true));
  await Promise.resolve();
  assert.equal(put, false);
  assert.deepEqual(await box.takeBatch(1, 0), [1]);
  await waiting;
  assert.equal(put, true);
  assert.deepEqual(await box.takeBatch(10, 0), [2, 3]);
});

Deno.test("closing a mailbox rejects waiting producers and returns what was queued", async () => {
  const box = new Mailbox<number>(1);
  box.offer(1);
  const waiting = box.put(2);
  assert.deepEqual(box.close(), [1]);
  await assert.rejects(waiting);
  assert.throws(() => box.offer(3));
});

Deno.test("an actor handles messages in batches and stop drains the mailbox", async () => {
  const seen: number[][] = [];
  const actor = new Actor<number>({
    capacity: 100,
    batchSize: 10,
    lingerMs: 5,
    handle: (b) => {
      seen.push(b);
      return Promise.resolve();
    },
  }).start();
  for (let i = 0; i < 25; i++) await actor.tell(i);
  await actor.stop();
  assert.deepEqual(seen.flat(), Array.from({ length: 25 }, (_, i) => i));
  assert.ok(seen.every((b) => b.length <= 10));
  assert.equal(actor.status, "stopped");
  await assert.rejects(actor.tell(99));
});

Deno.test("a crashing actor drops its batch and mailbox through onDrop and rejects done", async () => {
  const dropped: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const actor = new Actor<number>({
    capacity: 100,
    batchSize: 2,
    handle: async () => {
      await gate;
      throw new Error("sink down");
    },
    onDrop: (m) => dropped.push(m),
  }).start();
  for (let i = 0; i < 5; i++) actor.offer(i);
  release();
  await assert.rejects(actor.done, /sink down/);
  assert.deepEqual(dropped.sort(), [0, 1, 2, 3, 4]);
  assert.equal(actor.status, "crashed");
});

Deno.test("close drops queued messages at once", async () => {
  const dropped: number[] = [];
  const actor = new Actor<number>({
    capacity: 10,
    handle: () => new Promise(() => {}),
    onDrop: (m) => dropped.push(m),
  }).start();
  actor.offer(1);
  actor.offer(2);
  actor.offer(3);
  await Promise.resolve();
  actor.close();
  await actor.done;
  assert.ok(dropped.includes(3));
});

Deno.test("interrupt ends the handler's wait and the actor goes on taking messages", async () => {
  const seen: Array<{ n: number; aborted: boolean }> = [];
  const actor = new Actor<number>({
    capacity: 10,
    handle: async ([n], stopping) => {
      if (n === 1) {
        // A retry loop held through an outage: it waits until told to stop.
        await new Promise((resolve) => stopping.addEventListener("abort", resolve));
      }
      seen.push({ n, aborted: stopping.aborted });
    },
  }).start();
  await actor.tell(1);
  await actor.tell(2);
  actor.interrupt();
  await actor.tell(3);
  await actor.stop();
  assert.deepEqual(seen.map((x) => x.n), [1, 2, 3]);
  assert.ok(seen.every((x) => x.aborted));
});

Deno.test("a mailbox bounded in bytes is full at its byte bound but always lets one item in", async () => {
  const box = new Mailbox<string>(100, { maxBytes: 10, sizeOf: (s) => s.length });
  assert.ok(box.offer("aaaa"));
  assert.ok(box.offer("bbbbbb"));
  assert.equal(box.bytes, 10);
  assert.equal(box.offer("c"), false);
  // Full by bytes: a batch takes what is there without lingering for more.
  assert.deepEqual(await box.takeBatch(50, 60_000), ["aaaa", "bbbbbb"]);
  assert.equal(box.bytes, 0);
  assert.ok(box.offer("x".repeat(50)));
  assert.equal(box.offer("y"), false);
  const waiting = box.put("y");
  assert.deepEqual(await box.takeBatch(1, 0), ["x".repeat(50)]);
  await waiting;
  assert.equal(box.bytes, 1);
});

Deno.test("an actor with concurrency overlaps batches and stop waits for all of them", async () => {
  let running = 0, most = 0;
  const releases: Array<() => void> = [];
  const done: number[] = [];
  const actor = new Actor<number>({
    capacity: 100,
    batchSize: 2,
    concurrency: 3,
    handle: async (b) => {
      most = Math.max(most, ++running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      done.push(...b);
    },
  }).start();
  for (let i = 0; i < 6; i++) actor.offer(i);
  while (releases.length < 3) await new Promise((r) => setTimeout(r, 1));
  assert.equal(most, 3);
  const stopped = actor.stop();
  // Finishing out of order is allowed; each batch is handled once.
  releases[2]();
  releases[0]();
  releases[1]();
  await stopped;
  assert.deepEqual(done.sort(), [0, 1, 2, 3, 4, 5]);
});

Deno.test("a crash of one concurrent batch drops the other unfinished batches and the mailbox", async () => {
  const dropped: number[] = [];
  let calls = 0;
  const actor = new Actor<number>({
    capacity: 100,
    batchSize: 1,
    concurrency: 2,
    onDrop: (m) => dropped.push(m),
    handle: (b) => {
      calls++;
      if (b[0] === 1) return Promise.reject(new Error("boom"));
      return new Promise<void>(() => {}); // never finishes on its own
    },
  });
  for (let i = 0; i < 4; i++) actor.offer(i);
  actor.start();
  await assert.rejects(actor.done, /boom/);
  assert.equal(calls, 2);
  assert.deepEqual(dropped.sort(), [0, 1, 2, 3]);
  assert.equal(actor.status, "crashed");
});
