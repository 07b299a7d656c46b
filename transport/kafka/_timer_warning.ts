/**
 * kafkajs 2.2.4's request queue arms a timer with a negative delay (`throttledUntil` starts at
 * -1), which Node's timers, and Deno's, clamp to 1 ms, as kafkajs intends, with a
 * `TimeoutNegativeWarning` printed to stderr: the first line a new user saw from every role.
 * This drops that one warning type, once per process; every other warning is emitted as before.
 * The roles no longer arm that timer (`_request_queue.ts`); the bench's raw kafkajs ceiling, which
 * runs kafkajs as it is, still does.
 */
import process from "node:process";

const TYPE = "TimeoutNegativeWarning";
let installed = false;

/** Whether `emitWarning`'s arguments name the negative-timeout warning. */
export function isNegativeTimeoutWarning(warning: unknown, typeOrOptions?: unknown): boolean {
  if (typeof typeOrOptions === "string") return typeOrOptions === TYPE;
  if (typeOrOptions && typeof typeOrOptions === "object" && "type" in typeOrOptions) {
    return (typeOrOptions as { type?: unknown }).type === TYPE;
  }
  return warning instanceof Error && warning.name === TYPE;
}

export function dropNegativeTimeoutWarnings(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    if (isNegativeTimeoutWarning(warning, rest[0])) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
