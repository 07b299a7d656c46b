/**
 * A docker-compose service run the way its container runs it, without a Docker engine: the
 * image's entrypoint (Dockerfile) and `DENO_V8_FLAGS`, the service's command and its own
 * `DENO_V8_FLAGS`, inside a cgroup with the service's `mem_limit` where one can be made.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import type { MemoryCgroup } from "./cgroup.ts";
import { RoleProcess } from "./mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface ComposeService {
  command: string[];
  mem_limit: string;
  environment?: Record<string, string>;
}

export async function composeService(name: string): Promise<ComposeService> {
  const doc = parse(await Deno.readTextFile(`${ROOT}docker-compose.yml`), { merge: true });
  const service = (doc as { services: Record<string, ComposeService> }).services[name];
  assert.ok(service, `docker-compose.yml has a service ${name}`);
  return service;
}

/**
 * The image's entrypoint after `deno`, without `--cached-only` (a checkout's cache is warm),
 * and its `DENO_V8_FLAGS`.
 */
export async function imageEntrypoint(): Promise<{ args: string[]; v8Flags: string }> {
  const lines = (await Deno.readTextFile(`${ROOT}Dockerfile`)).split("\n");
  const line = lines.find((l) => l.startsWith("ENTRYPOINT "));
  assert.ok(line, "the Dockerfile has an ENTRYPOINT");
  const argv: string[] = JSON.parse(line.slice("ENTRYPOINT ".length));
  assert.equal(argv[0], "deno");
  const env = lines.find((l) => l.startsWith("ENV DENO_V8_FLAGS="));
  assert.ok(env, "the Dockerfile sets DENO_V8_FLAGS");
  return {
    args: argv.slice(1).filter((a) => a !== "--cached-only"),
    v8Flags: env.slice("ENV DENO_V8_FLAGS=".length),
  };
}

/** A compose memory limit (`128m`, `1g`) in bytes. */
export function limitBytes(limit: string): number {
  const m = /^(\d+)([mg])$/.exec(limit);
  assert.ok(m, `a memory limit like 128m, got ${limit}`);
  return Number(m[1]) * 1024 * 1024 * (m[2] === "g" ? 1024 : 1);
}

/**
 * Starts `service` as its container would, with `env` (the test's connections and names, which
 * win over the compose file's network hosts) and `v8Flags` (default: the service's, else the
 * image's), inside `cgroup` when given. When the page cache can be dropped it is, first: a
 * container starts with nothing of the binary or the module cache in memory, and what the
 * process then reads is charged to its group, as there.
 */
export async function startService(
  service: ComposeService,
  env: Record<string, string>,
  o: { cgroup?: MemoryCgroup | null; v8Flags?: string } = {},
): Promise<RoleProcess> {
  const image = await imageEntrypoint();
  if (o.cgroup) {
    try {
      Deno.writeTextFileSync("/proc/sys/vm/drop_caches", "1");
    } catch {
      // not allowed here: the group is charged only for what is not cached already
    }
  }
  return new RoleProcess(
    service.command.join(" "),
    { ...env, DENO_V8_FLAGS: o.v8Flags ?? service.environment?.DENO_V8_FLAGS ?? image.v8Flags },
    undefined,
    [...image.args, ...service.command],
    o.cgroup?.wrap,
  );
}
