import assert from "node:assert/strict";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { LeasedLimiter } from "./_leased.ts";

/** A shared limiter counting its calls. */
function counted(points: number) {
  const inner = new RateLimiterMemory({ points, duration: 60 });
  const calls: number[] = [];
  return {
    calls,
    consume: (key: string, n = 1) => {
      calls.push(n);
      return inner.consume(key, n);
    },
  };
}

Deno.test("leases take points a lease at a time and never admit more than the shared limit", async () => {
  const shared = counted(10);
  const l = new LeasedLimiter(shared, 3);
  const verdicts = [];
  for (let i = 0; i < 14; i++) verdicts.push(await l.consume("k"));
  const admitted = verdicts.filter((v) => v === null).length;
  // 3 + 3 + 3 admitted; the fourth lease (3 of the last 1 point) is refused: one point unused.
  assert.equal(admitted, 9);
  assert.ok(verdicts.slice(9).every((v) => v !== null && v.retryAfterS >= 1));
  // The refusal is remembered until the window ends: no call per refused request.
  assert.deepEqual(shared.calls, [3, 3, 3, 3]);
});

Deno.test("a lease of 1 is the shared limiter exactly", async () => {
  const shared = counted(4);
  const l = new LeasedLimiter(shared, 1);
  const verdicts = [];
  for (let i = 0; i < 6; i++) verdicts.push(await l.consume("k"));
  assert.deepEqual(verdicts.map((v) => v === null), [true, true, true, true, false, false]);
});

Deno.test("concurrent requests share one refill, and a lease ends with its window", async () => {
  let t = 0;
  const calls: number[] = [];
  const shared = {
    consume: (_key: string, n = 1) => {
      calls.push(n);
      return Promise.resolve(new RateLimiterRes(100, 1_000, n));
    },
  };
  const l = new LeasedLimiter(shared, 5, () => t);
  const verdicts = await Promise.all(Array.from({ length: 5 }, () => l.consume("k")));
  assert.ok(verdicts.every((v) => v === null));
  assert.deepEqual(calls, [5]);
  t = 1_000; // the window is over: the one point left is void
  assert.equal(await l.consume("k"), null);
  assert.deepEqual(calls, [5, 5]);
  assert.throws(() => new LeasedLimiter(shared, 0), RangeError);
});
