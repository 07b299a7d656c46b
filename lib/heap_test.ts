import assert from "node:assert/strict";
import { until } from "../tests/helpers/mod.ts";
import { startHeapTrim } from "./heap.ts";

/** Allocates `mib` MiB or so of short-lived objects, as a drained backlog does. */
function burst(mib: number): number {
  let n = 0;
  for (let r = 0; r < mib / 8; r++) {
    const junk = Array.from({ length: 100_000 }, (_, i) => ({ i, s: `order ${i}` }));
    n += junk.length;
  }
  return n;
}

Deno.test("a process that turns quiet after a burst gets its heap back", async () => {
  const stop = startHeapTrim({ growthMiB: 8, intervalMs: 50 });
  try {
    burst(400);
    const grown = Deno.memoryUsage().heapTotal;
    await until(
      "the heap collected",
      () => Deno.memoryUsage().heapTotal < grown - 8 * 1024 * 1024,
      10_000,
    );
  } finally {
    stop();
  }
});

Deno.test("heap trimming is off at 0 and refuses a negative growth", () => {
  startHeapTrim({ growthMiB: 0 })();
  assert.throws(() => startHeapTrim({ growthMiB: -1 }), RangeError);
});

Deno.test("a process has one heap trimmer: a second start returns the first's stop", () => {
  const stop = startHeapTrim({ growthMiB: 8, intervalMs: 60_000 });
  try {
    assert.equal(startHeapTrim({ growthMiB: 16 }), stop);
  } finally {
    stop();
  }
});
