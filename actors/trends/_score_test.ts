import assert from "node:assert/strict";
import { logUpperTail, zOfLogTail } from "./_score.ts";

Deno.test("Poisson and negative binomial tails match known values", () => {
  // P(X >= 5 | Poisson 1) = 0.00366
  assert.ok(Math.abs(Math.exp(logUpperTail(5, 1, 1)) - 0.00366) < 1e-4);
  // Over-dispersion makes the same count less surprising.
  assert.ok(logUpperTail(20, 10, 30) > logUpperTail(20, 10, 10));
  assert.equal(logUpperTail(0, 3, 3), 0);
});

Deno.test("tail probabilities map to normal sigmas, monotone even far in the tail", () => {
  assert.ok(Math.abs(zOfLogTail(Math.log(0.00135)) - 3) < 0.01);
  assert.ok(Math.abs(zOfLogTail(Math.log(2.87e-7)) - 5) < 0.01);
  assert.ok(zOfLogTail(-2000) > zOfLogTail(-1000));
});
