import assert from "node:assert/strict";
import { createLogger, formatLine, RepeatLimiter, setLogLevel } from "./log.ts";
import { UpstreamError } from "./errors.ts";

Deno.test("a log line serialises nested bigints, maps and sets", () => {
  const line = JSON.parse(formatLine("info", "t", "resumed", {
    offsets: new Map([[0, 12n], [1, 9007199254740993n]]),
    nested: { deep: [1n, { x: 2n }] },
    seen: new Set(["a"]),
  }));
  assert.deepEqual(line.offsets, { "0": "12", "1": "9007199254740993" });
  assert.deepEqual(line.nested, { deep: ["1", { x: "2" }] });
  assert.deepEqual(line.seen, ["a"]);
});

Deno.test("a log line serialises an error with its cause chain, code and retriable flag", () => {
  const err = new UpstreamError("DB_DOWN", "insert failed", { cause: new Error("ECONNREFUSED") });
  const line = JSON.parse(formatLine("error", "t", "crashed", { err }));
  assert.deepEqual(line.err, {
    name: "UpstreamError",
    message: "insert failed",
    code: "DB_DOWN",
    retriable: true,
    cause: { name: "Error", message: "ECONNREFUSED" },
  });
});

Deno.test("a log line survives cycles, self-causing errors, getters that throw and functions", () => {
  const a: Record<string, unknown> = { name: "a" };
  a.self = a;
  const e = new Error("loop");
  (e as { cause?: unknown }).cause = e;
  const hostile = {
    get boom() {
      throw new Error("getter exploded");
    },
  };
  const line = JSON.parse(
    formatLine("warn", "t", "odd", { a, e, hostile, f: function named() {} }),
  );
  assert.equal(line.a.self, "[Circular]");
  assert.equal(line.e.cause, "[Circular]");
  assert.match(String(line.hostile), /Unserialisable|getter exploded/);
  assert.equal(line.f, "[Function named]");
});

Deno.test("logging at every level never throws, whatever the fields hold", () => {
  setLogLevel("silent");
  const log = createLogger("t", { base: 1n });
  const a: Record<string, unknown> = {};
  a.a = a;
  for (const level of ["debug", "info", "warn", "error", "fatal"] as const) {
    log[level]("x", { a, n: 5n, u: undefined, s: Symbol("s") });
  }
  setLogLevel("debug");
  const line = formatLine("debug", "t", "x", { a, n: 5n, s: Symbol("s") });
  assert.equal(JSON.parse(line).n, "5");
  setLogLevel("info");
});

Deno.test("a repeated cause is logged a burst of times per interval, then counted", () => {
  const r = new RepeatLimiter({ intervalMs: 1_000, burst: 2 });
  const at = (t: number) => r.check("db down", t);
  assert.deepEqual(at(0), { log: true, suppressed: 0, first: false });
  assert.deepEqual(at(10), { log: true, suppressed: 0, first: false });
  assert.deepEqual(at(20), { log: false, suppressed: 0, first: true });
  for (let t = 30; t < 130; t++) assert.equal(at(t).log, false);
  assert.deepEqual(r.check("another cause", 140), { log: true, suppressed: 0, first: false });
  // The next window's first line carries the count of the lines held back.
  assert.deepEqual(at(1_000), { log: true, suppressed: 101, first: false });
});
