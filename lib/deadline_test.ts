import assert from "node:assert/strict";
import { deadline, DeadlineError, settledWithin } from "./deadline.ts";

Deno.test("deadline answers with the promise's value when it settles in time", async () => {
  assert.equal(await deadline(Promise.resolve(7), 1_000), 7);
  await assert.rejects(deadline(Promise.reject(new RangeError("bad")), 1_000), RangeError);
});

Deno.test("deadline rejects with DeadlineError naming the wait once it passes", async () => {
  const never = new Promise<never>(() => {});
  const err = await deadline(never, 5).catch((e) => e);
  assert.ok(err instanceof DeadlineError);
  assert.equal(err.message, "no answer within 5 ms");
});

Deno.test("settledWithin tells a slow promise from a failed one", async () => {
  assert.equal(await settledWithin(Promise.resolve(), 1_000), true);
  assert.equal(await settledWithin(new Promise(() => {}), 5), false);
  await assert.rejects(settledWithin(Promise.reject(new Error("down")), 1_000), /down/);
});
