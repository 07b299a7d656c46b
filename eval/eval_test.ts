import assert from "node:assert/strict";
import { evaluate, failures } from "./mod.ts";

Deno.test("the detector meets the evaluation's targets on a short generated stream, two seeds", () => {
  for (const seed of [11, 12]) {
    const r = evaluate({ seed, minutes: 75, rate: 12, bursts: 9 });
    assert.deepEqual(failures(r), [], `seed ${seed}: ${JSON.stringify(r)}`);
    assert.equal(r.trapAlerts["single-author"], 0);
    assert.equal(r.trapAlerts["ring"], 0);
  }
});
