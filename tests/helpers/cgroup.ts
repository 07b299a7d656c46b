/**
 * A memory-limited Linux cgroup for one process, as a container's `mem_limit` makes one: the
 * kernel charges the process's memory (anonymous and the page cache it reads) to the group and
 * OOM-kills it at the limit. cgroup v1's memory controller (`/sys/fs/cgroup/memory`) or v2's
 * unified hierarchy; null where neither can be written (not root, or no memory controller).
 */

const V1 = "/sys/fs/cgroup/memory";
const V2 = "/sys/fs/cgroup";

export interface MemoryCgroup {
  /** A command's arguments that run `argv` inside the group: `sh -c` joins it, then `exec`s. */
  wrap(argv: string[]): { cmd: string; args: string[] };
  /** How many processes of the group the kernel's OOM killer ended. */
  oomKills(): number;
  /** The group's largest charge so far, in bytes. */
  peakBytes(): number;
  /** Removes the group (its processes must have exited). */
  dispose(): void;
}

/** Where a cgroup version keeps a group's limit, OOM kill count and peak. */
interface Files {
  root: string;
  limit: string;
  events: string;
  peak: string;
}

const V1_FILES: Files = {
  root: V1,
  limit: "memory.limit_in_bytes",
  events: "memory.oom_control",
  peak: "memory.max_usage_in_bytes",
};
const V2_FILES: Files = {
  root: V2,
  limit: "memory.max",
  events: "memory.events",
  peak: "memory.peak",
};

export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup | null {
  try {
    if (Deno.statSync(`${V1}/memory.limit_in_bytes`).isFile) {
      return group(V1_FILES, name, limitBytes);
    }
  } catch {
    // no cgroup v1 memory controller: try v2
  }
  try {
    const controllers = Deno.readTextFileSync(`${V2}/cgroup.subtree_control`).split(/\s+/);
    if (controllers.includes("memory")) return group(V2_FILES, name, limitBytes);
  } catch {
    // no cgroup v2 either
  }
  return null;
}

function group(f: Files, name: string, limitBytes: number): MemoryCgroup | null {
  const dir = `${f.root}/${name}`;
  try {
    Deno.mkdirSync(dir);
    Deno.writeTextFileSync(`${dir}/${f.limit}`, String(limitBytes));
  } catch {
    try {
      Deno.removeSync(dir);
    } catch {
      // never made
    }
    return null;
  }
  return {
    wrap: (argv) => ({
      cmd: "sh",
      args: ["-c", `echo $$ > '${dir}/cgroup.procs' && exec "$0" "$@"`, ...argv],
    }),
    oomKills: () =>
      Number(/^oom_kill (\d+)$/m.exec(Deno.readTextFileSync(`${dir}/${f.events}`))?.[1] ?? 0),
    peakBytes: () => Number(Deno.readTextFileSync(`${dir}/${f.peak}`)),
    dispose: () => Deno.removeSync(dir),
  };
}
