import assert from "node:assert/strict";
import { cusumLogTail, cusumStep } from "./_cusum.ts";

/** A seeded Poisson sampler (Knuth), so the test is deterministic. */
function poisson(seed: number) {
  let s = seed;
  const u = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return (mean: number) => {
    const l = Math.exp(-mean);
    let k = 0, p = u();
    while (p > l) [k, p] = [k + 1, p * u()];
    return k;
  };
}

Deno.test("the CUSUM stays at 0 while counts are as expected, and its steps are the log-likelihood ratio", () => {
  assert.equal(cusumStep(0, 0, 5, 1), 0);
  assert.equal(cusumStep(0, 5, 5, 1), 0); // 5 ln 2 - 5 < 0
  assert.ok(Math.abs(cusumStep(1, 10, 5, 1) - (1 + 10 * Math.log(2) - 5)) < 1e-12);
  // Over-dispersion shrinks the evidence of a slide.
  assert.ok(Math.abs(cusumStep(0, 10, 5, 2) - (10 * Math.log(2) - 5) / 2) < 1e-12);
  assert.throws(() => cusumStep(0, 1, 1, 1, 1), RangeError);
  assert.equal(cusumLogTail(10), -10);
});

Deno.test("a sustained excess too small for one slide accumulates, and drains once it stops", () => {
  // Expected 2.3 voices a slide; the excess brings 7: no slide alone is extreme.
  let s = 0;
  const path: number[] = [];
  for (const x of [7, 8, 6, 7, 7]) path.push(s = cusumStep(s, x, 2.3, 1));
  assert.ok(path.every((v, i) => i === 0 || v > path[i - 1]), `${path}`);
  assert.ok(s > 10, `${s}`);
  for (let i = 0; i < 30; i++) s = cusumStep(s, 2, 2.3, 1);
  assert.equal(s, 0);
});

Deno.test("on Poisson counts at their expectation the CUSUM crosses h about as rarely as e^-h says", () => {
  const draw = poisson(11);
  const h = 6;
  let crossings = 0, s = 0;
  const slides = 200_000;
  for (let i = 0; i < slides; i++) {
    s = cusumStep(s, draw(3), 3, 1);
    if (s >= h) [crossings, s] = [crossings + 1, 0];
  }
  // Wald's bound is per excursion; excursions are fewer than slides, so the rate per slide is
  // below e^-h (0.0025).
  assert.ok(crossings / slides <= Math.exp(-h), `${crossings} in ${slides}`);
  assert.ok(crossings > 0);
});
