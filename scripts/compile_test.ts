import assert from "node:assert/strict";
import { ROLES } from "../actors/roles.ts";
import { compileArgs, compiledPermissions, TARGETS } from "./compile.ts";

Deno.test("deno task compile builds one binary per role, plus all and the CLI", () => {
  assert.deepEqual(TARGETS, [...ROLES, "all", "cli"]);
  for (const t of TARGETS) {
    const args = compileArgs(t);
    assert.deepEqual(args.slice(-4), ["--output", `dist/sluice-${t}`, "main.ts", t]);
  }
});

Deno.test("role binaries get deno task start's permissions and files; the CLI gets less", () => {
  assert.ok(compiledPermissions("writer").includes("--allow-write"));
  assert.ok(compileArgs("writer").includes("migrations"));
  assert.ok(!compiledPermissions("cli").includes("--allow-write"));
  assert.ok(!compileArgs("cli").includes("--include"));
  assert.throws(() => compiledPermissions("nope"), RangeError);
});
