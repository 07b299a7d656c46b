/**
 * Gives V8's heap back to the system after a burst. Draining a backlog grows V8's young
 * generation to its largest (64 MiB here) and its old space with promoted garbage, and V8 keeps
 * those pages while the process then runs nearly idle: an order processor that drained 50,000
 * orders held about 220 MiB at 10 orders/s, its live data 20 MiB. V8 flags
 * (`--max-semi-space-size`) would bound this too, but only where the launcher passes them; this
 * works however the process is started (`deno run`, `deno task`, the image, a compiled binary).
 *
 * A full collection runs once the process is quiet (it allocated under `quietMiB` in the last
 * `intervalMs`) and the committed heap has grown `growthMiB` past its size after the last one.
 * Quiet is judged by allocation, not CPU: on a loaded machine a draining process gets little CPU
 * but still allocates far more than one at 10 orders/s.
 * Never while busy: a forced collection every second during a drain bounded its peak (220 → 150
 * MiB) but cost 11–35 % more CPU per order, while V8's own limits already bound a drain.
 */
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface HeapTrimOptions {
  /** Growth of the committed heap, in MiB, that triggers a full collection (0: never). */
  growthMiB: number;
  /** How often the heap size is checked, in ms. Default 1_000. */
  intervalMs?: number;
  /**
   * MiB allocated per interval under which the process counts as quiet. Default 12 (an idle
   * order processor allocates 3–7 MiB a second, one draining a backlog 20–60 MiB even on a
   * loaded machine).
   */
  quietMiB?: number;
}

let running: (() => void) | null = null;

/**
 * Starts trimming the process's heap. A process has one trimmer: a later call (another role in
 * the same process) keeps the first one's options. Returns a function that stops it.
 */
export function startHeapTrim(o: HeapTrimOptions): () => void {
  if (o.growthMiB === 0) return () => {};
  if (!(o.growthMiB > 0)) throw new RangeError(`Heap growth must be 0 or more, got ${o.growthMiB}`);
  if (running) return running;
  const gc = fullCollection();
  const growth = o.growthMiB * 1024 * 1024;
  const intervalMs = o.intervalMs ?? 1_000;
  const quiet = (o.quietMiB ?? 12) * 1024 * 1024;
  let base = Deno.memoryUsage().heapTotal;
  let allocated = allocatedBytes();
  const timer = setInterval(() => {
    const before = allocated;
    allocated = allocatedBytes();
    if (allocated - before > quiet) return;
    if (Deno.memoryUsage().heapTotal < base + growth) return;
    gc();
    base = Deno.memoryUsage().heapTotal;
  }, intervalMs);
  Deno.unrefTimer(timer);
  const stop = () => {
    clearInterval(timer);
    running = null;
  };
  running = stop;
  return stop;
}

/** Bytes V8 has allocated since the process started. */
function allocatedBytes(): number {
  return (getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes ?? 0;
}

/**
 * V8's `gc()`, which Deno does not expose: `--expose-gc` set at run time installs it in the
 * contexts created afterwards (the way Jest's leak detector gets it). A forced full collection
 * also shrinks the young generation and releases the freed pages.
 */
function fullCollection(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
