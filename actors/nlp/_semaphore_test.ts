import assert from "node:assert/strict";
import { Semaphore } from "./_semaphore.ts";

Deno.test("a semaphore admits `size` holders and hands a released slot to the oldest waiter", async () => {
  const s = new Semaphore(2);
  const order: string[] = [];
  await s.acquire();
  await s.acquire();
  const a = s.acquire().then(() => order.push("a"));
  const b = s.acquire().then(() => order.push("b"));
  assert.equal(s.waiting, 2);
  s.release();
  await a;
  // A newcomer arriving now queues behind b instead of taking b's turn.
  const c = s.acquire().then(() => order.push("c"));
  s.release();
  await b;
  s.release();
  await c;
  assert.deepEqual(order, ["a", "b", "c"]);
});

Deno.test("waiting for a slot ends when the signal aborts, and the slot is not lost", async () => {
  const s = new Semaphore(1);
  await s.acquire();
  const stop = new AbortController();
  const waiting = s.acquire(stop.signal);
  stop.abort(new Error("stopping"));
  await assert.rejects(waiting, /stopping/);
  assert.equal(s.waiting, 0);
  s.release();
  await s.acquire();
  assert.throws(() => new Semaphore(0), RangeError);
});
