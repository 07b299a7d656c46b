import assert from "node:assert/strict";
import { ROLES } from "../actors/roles.ts";
import {
  compileArgs,
  compiledPermissions,
  packerExcludes,
  ROLE_V8_FLAGS,
  TARGETS,
} from "./compile.ts";

Deno.test("deno task compile builds one binary per role, plus all and the CLI", () => {
  assert.deepEqual(TARGETS, [...ROLES, "all", "cli"]);
  for (const t of TARGETS) {
    const args = compileArgs(t);
    assert.deepEqual(args.slice(-4), ["--output", `dist/sluice-${t}`, "main.ts", t]);
  }
});

Deno.test("role binaries get deno task start's permissions and files; the CLI gets less", () => {
  assert.ok(compiledPermissions("writer").includes("--allow-write"));
  assert.ok(
    compiledPermissions("text-writer").includes(
      "--v8-flags=--max-semi-space-size=8,--heap-growing-percent=200,--no-allocation-site-pretenuring",
    ),
  );
  assert.ok(compileArgs("writer").includes("migrations"));
  assert.ok(!compiledPermissions("cli").includes("--allow-write"));
  assert.ok(!compileArgs("cli").includes("--include"));
  assert.throws(() => compiledPermissions("nope"), RangeError);
});

Deno.test("deno task start and the image run with the roles' V8 flags", async () => {
  const root = new URL("../", import.meta.url);
  const start: string = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks.start;
  const image = await Deno.readTextFile(new URL("Dockerfile", root));
  for (const flag of ROLE_V8_FLAGS) {
    assert.ok(start.split(" ").includes(flag), `deno task start lacks ${flag}`);
    // The image sets them in DENO_V8_FLAGS, which a flag of the entrypoint would override.
    const value = flag.replace(/^--v8-flags=/, "");
    assert.match(image, new RegExp(`^ENV DENO_V8_FLAGS=${value}$`, "m"));
  }
  const entrypoint = image.split("\n").find((l) => l.startsWith("ENTRYPOINT"));
  assert.ok(entrypoint && !entrypoint.includes("--v8-flags"), entrypoint ?? "no ENTRYPOINT");
});

Deno.test("the packer leaves out bintrees' test folder, which overflows its stack", () => {
  const excluded = packerExcludes();
  assert.equal(excluded.length, 1, "prom-client brings bintrees through tdigest");
  assert.ok(Deno.statSync(excluded[0]).isDirectory);
  for (const t of TARGETS) {
    const args = compileArgs(t);
    assert.equal(args[args.indexOf("--exclude") + 1], excluded[0], t);
  }
});

Deno.test("every compile argument is a flag of this deno compile and every path exists", async () => {
  const out = await new Deno.Command(Deno.execPath(), { args: ["compile", "--help"] }).output();
  const help = new TextDecoder().decode(out.stdout);
  for (const t of TARGETS) {
    const args = compileArgs(t);
    for (const [i, a] of args.entries()) {
      if (a.startsWith("--")) {
        const flag = a.split("=")[0];
        assert.ok(
          help.includes(`${flag} `) || help.includes(`${a},`) || help.includes(`${flag}[`),
          a,
        );
      }
      if (["--include", "--exclude"].includes(args[i - 1])) assert.ok(existsSync(a), `${t}: ${a}`);
    }
    assert.ok(existsSync(args.at(-2)!), "the entrypoint");
  }
});

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
