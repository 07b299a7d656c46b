/**
 * A property for a fast schema path beside the zod schema it stands in for: on every generated
 * input both accept or both refuse, with the same data or the same issues.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { z } from "zod";

interface Parser {
  safeParse(v: unknown): z.ZodSafeParseResult<unknown>;
}

/** Checks `candidate` against `reference` on `runs` inputs; at least `minValid` must be valid. */
export function assertParsesAsZod(
  reference: Parser,
  candidate: Parser,
  inputs: fc.Arbitrary<unknown>,
  o: { runs: number; minValid: number },
): void {
  let valid = 0;
  fc.assert(
    fc.property(inputs, (input) => {
      const a = reference.safeParse(input);
      const b = candidate.safeParse(input);
      assert.equal(b.success, a.success);
      if (a.success) {
        valid++;
        assert.deepEqual(b.data, a.data);
      } else {
        assert.deepEqual(b.error!.issues, a.error.issues);
      }
    }),
    { numRuns: o.runs },
  );
  assert.ok(valid > o.minValid, `enough valid inputs generated (${valid})`);
}
