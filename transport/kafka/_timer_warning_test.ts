import assert from "node:assert/strict";
import { dropNegativeTimeoutWarnings, isNegativeTimeoutWarning } from "./_timer_warning.ts";

Deno.test("only the negative-timeout warning is recognised, in each form emitWarning takes", () => {
  assert.ok(isNegativeTimeoutWarning("-5 is a negative number.", "TimeoutNegativeWarning"));
  assert.ok(isNegativeTimeoutWarning("x", { type: "TimeoutNegativeWarning" }));
  const named = Object.assign(new Error("x"), { name: "TimeoutNegativeWarning" });
  assert.ok(isNegativeTimeoutWarning(named));
  assert.ok(!isNegativeTimeoutWarning("x", "DeprecationWarning"));
  assert.ok(!isNegativeTimeoutWarning("x", { type: "ExperimentalWarning" }));
  assert.ok(!isNegativeTimeoutWarning(new Error("x")));
});

Deno.test("a negative timer prints nothing once installed, other warnings still do", async () => {
  const script = `
    import { dropNegativeTimeoutWarnings } from ${
    JSON.stringify(import.meta.resolve("./_timer_warning.ts"))
  };
    import process from "node:process";
    import { setTimeout } from "node:timers";
    if (Deno.args[0] === "drop") dropNegativeTimeoutWarnings();
    setTimeout(() => process.emitWarning("kept", "SluiceTestWarning"), -5);
  `;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, script);
    const run = async (mode: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file, mode],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success);
      return new TextDecoder().decode(out.stderr);
    };
    const before = await run("keep");
    assert.match(before, /TimeoutNegativeWarning/);
    const after = await run("drop");
    assert.doesNotMatch(after, /TimeoutNegativeWarning/);
    assert.match(after, /SluiceTestWarning: kept/);
  } finally {
    await Deno.remove(file);
  }
});
Deno.test("installing twice is harmless", () => {
  dropNegativeTimeoutWarnings();
  dropNegativeTimeoutWarnings();
});
