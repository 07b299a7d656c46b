/**
 * `deno task compile`: one binary per role (`dist/sluice-<role>`, the role baked in as its
 * argument), one for `all`, and `dist/sluice-cli`, generated from the one list of roles
 * (`actors/roles.ts`). Each role binary carries the migrations, the replay sample and the
 * dashboard's Chart.js file, with the permissions of `deno task start`. `--print` prints the
 * commands instead of running them.
 *
 *   deno run --allow-read --allow-run scripts/compile.ts [--print]
 */
import { ROLES } from "../actors/roles.ts";

/** The permissions of a role binary: those of `deno task start`. */
export const ROLE_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
  "--allow-run",
];
/**
 * The V8 settings every role runs with (`deno task start`, the Dockerfile, the role binaries,
 * `deno task dev` and the role processes of the tests and benches), for a text writer at full
 * speed on 6 partitions under 256 MiB of RSS (issue 15) at no measurable CPU cost: a young
 * generation of 8 MiB semi-spaces instead of V8's 16 MiB (about 300 MiB before), and a full
 * collection once the old generation has grown to three times what the last one left (V8's own
 * factor let it reach about 3.5 times: 251–264 MiB, 224–230 with this; 100 instead of 200 gives
 * 192–201 MiB but costs 10 % more CPU a message, 30 gives 184 MiB and costs 50 %).
 *
 * No allocation-site pretenuring (issue 12): V8 allocates straight into the old generation the
 * objects of an allocation site whose objects survived young collections, and a server's
 * per-request objects (headers, parsed events, their JSON) cross that line whenever requests
 * wait on a flush; they then die in the old generation, which grew 14–22 MB/s at 5,000 webhook
 * deliveries a second (a full collection, and an 80 ms gap in answers, every 3–5 s) and 2 MB/s
 * without it. The writer's and the order processor's CPU and rates did not move (two runs each,
 * alternating).
 */
export const ROLE_V8_FLAGS = [
  "--v8-flags=--max-semi-space-size=8,--heap-growing-percent=200,--no-allocation-site-pretenuring",
];
/** The CLI's: it only talks HTTP and reads files to send. */
const CLI_PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];
const INCLUDES = [
  "migrations",
  "samples",
  "actors/nlp/prompts",
  "node_modules/chart.js/dist/chart.umd.min.js",
  "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
  "node_modules/swagger-ui-dist/swagger-ui.css",
].flatMap((path) => ["--include", path]);

/**
 * What the packer must leave out of the embedded `node_modules`: the test folder of `bintrees`
 * (prom-client → tdigest) makes `deno compile` overflow its stack (an open regression of Deno
 * 2.9, denoland/deno#36746). Found by name, so a lockfile update keeps it excluded.
 */
export function packerExcludes(root = "."): string[] {
  const store = `${root}/node_modules/.deno`;
  let entries: string[] = [];
  try {
    entries = [...Deno.readDirSync(store)].map((e) => e.name);
  } catch {
    return []; // no node_modules yet: `deno compile` installs them, without the crash's folder
  }
  return entries.filter((n) => n.startsWith("bintrees@")).sort()
    .map((n) => `node_modules/.deno/${n}/node_modules/bintrees/test`);
}

/** What `deno task compile` builds: every role, `all`, and `cli`. */
export const TARGETS: readonly string[] = [...ROLES, "all", "cli"];

/**
 * The flags the binary of `target` (a role, `all` or `cli`) is compiled and run with: its
 * `--allow-*` permissions, and for a role the V8 settings.
 */
export function compiledPermissions(target: string): string[] {
  if (target === "cli") return [...CLI_PERMISSIONS];
  if (target === "all" || (ROLES as readonly string[]).includes(target)) {
    return [...ROLE_PERMISSIONS, ...ROLE_V8_FLAGS];
  }
  throw new RangeError(`No binary is compiled for ${target}`);
}

/** The arguments of `deno compile` for `target`. */
export function compileArgs(target: string): string[] {
  const includes = target === "cli" ? [] : INCLUDES;
  return [
    "compile",
    ...compiledPermissions(target),
    ...includes,
    ...packerExcludes().flatMap((path) => ["--exclude", path]),
    "--output",
    `dist/sluice-${target}`,
    "main.ts",
    target,
  ];
}

if (import.meta.main) {
  const print = Deno.args.includes("--print");
  const encoder = new TextEncoder();
  for (const target of TARGETS) {
    const args = compileArgs(target);
    if (print) {
      Deno.stdout.writeSync(encoder.encode(["deno", ...args].join(" ") + "\n"));
      continue;
    }
    const { code } = await new Deno.Command(Deno.execPath(), { args }).spawn().status;
    if (code !== 0) Deno.exit(code);
  }
}
