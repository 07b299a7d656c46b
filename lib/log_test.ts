import assert from "node:assert/strict";
import { createLogger, formatLine, setLogLevel } from "./log.ts";
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
