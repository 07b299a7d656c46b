/**
 * The data lake: raw posts, closed windows and alerts. `Lake` is what the aggregator needs from
 * one; `DataLake` (this file) is the embedded default, a local folder; `S3Lake` (`lake_s3.ts`)
 * writes immutable objects to any S3-compatible store.
 *
 * `DataLake` keeps NDJSON under
 * `<dir>/date=YYYY-MM-DD/hour=HH/<kind>-<name>.ndjson` (event time, UTC). Appends are tracked as
 * file sizes that go into the aggregator's checkpoint; on recovery every file is cut back to
 * its checkpointed size (and files created after the checkpoint are removed), so a replay never
 * duplicates lines. Partitions older than the retention are deleted.
 */
import { join } from "node:path";

const encoder = new TextEncoder();

export type LakeKind = "posts" | "windows" | "alerts";

/**
 * A lake the aggregator appends to before its checkpoint commits, and brings back to the
 * checkpoint (`sizes` as saved, and the checkpoint's batch `seq`) when it resumes.
 */
export interface Lake {
  /** What the checkpoint saves so that `recover` can undo appends made after it. */
  readonly sizes: Record<string, number>;
  recover(sizes: Record<string, number>, seq: number): Promise<void>;
  /** Appends the items of batch `seq`, grouped by the hour partition of `timeOf(item)`. */
  append<T>(kind: LakeKind, items: T[], timeOf: (x: T) => number, seq: number): Promise<void>;
  /** Deletes hour partitions older than the retention, counted back from `nowMs`. */
  prune(nowMs: number): Promise<string[]>;
}

export class DataLake implements Lake {
  /** Byte size of each file (relative path) as of the last append. */
  sizes: Record<string, number> = {};

  constructor(readonly dir: string, readonly name: string, readonly retentionHours: number) {}

  static partition(ms: number): string {
    const iso = new Date(ms).toISOString();
    return `date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
  }

  /**
   * Brings the folder back to the checkpointed sizes. A file the checkpoint knows but the folder
   * does not was deleted by retention after the checkpoint (prune runs before the checkpoint is
   * saved): its entry is dropped, else a later append would count from the stale size and the
   * next recovery would pad the file with NUL bytes.
   */
  async recover(sizes: Record<string, number>, _seq = 0): Promise<void> {
    this.sizes = {};
    for (const rel of await this.#files()) {
      const path = join(this.dir, rel);
      if (rel in sizes) {
        await Deno.truncate(path, sizes[rel]);
        this.sizes[rel] = sizes[rel];
      } else await Deno.remove(path);
    }
  }

  /** Appends lines, grouped by the hour partition of `timeOf(line)` (`seq` is not needed). */
  async append<T>(kind: LakeKind, items: T[], timeOf: (x: T) => number, _seq = 0): Promise<void> {
    const byFile = new Map<string, string[]>();
    for (const x of items) {
      const rel = `${DataLake.partition(timeOf(x))}/${kind}-${this.name}.ndjson`;
      let lines = byFile.get(rel);
      if (!lines) byFile.set(rel, lines = []);
      lines.push(JSON.stringify(x));
    }
    for (const [rel, lines] of byFile) {
      const path = join(this.dir, rel);
      await Deno.mkdir(join(path, ".."), { recursive: true });
      const bytes = encoder.encode(lines.join("\n") + "\n");
      const f = await Deno.open(path, { create: true, append: true });
      try {
        await f.write(bytes);
      } finally {
        f.close();
      }
      this.sizes[rel] = (this.sizes[rel] ?? 0) + bytes.length;
    }
  }

  /** Deletes hour partitions older than the retention, counted back from `nowMs` (event time). */
  async prune(nowMs: number): Promise<string[]> {
    const cutoff = DataLake.partition(nowMs - this.retentionHours * 3_600_000);
    const removed: string[] = [];
    for await (const d of readDirSafe(this.dir)) {
      if (!d.isDirectory || !d.name.startsWith("date=")) continue;
      for await (const h of readDirSafe(join(this.dir, d.name))) {
        const part = `${d.name}/${h.name}`;
        if (h.isDirectory && part < cutoff) {
          await Deno.remove(join(this.dir, part), { recursive: true });
          removed.push(part);
          for (const rel of Object.keys(this.sizes)) {
            if (rel.startsWith(part + "/")) delete this.sizes[rel];
          }
        }
      }
    }
    return removed;
  }

  async #files(): Promise<string[]> {
    const out: string[] = [];
    for await (const d of readDirSafe(this.dir)) {
      if (!d.isDirectory || !d.name.startsWith("date=")) continue;
      for await (const h of readDirSafe(join(this.dir, d.name))) {
        for await (const f of readDirSafe(join(this.dir, d.name, h.name))) {
          if (f.isFile && f.name.endsWith(`-${this.name}.ndjson`)) {
            out.push(`${d.name}/${h.name}/${f.name}`);
          }
        }
      }
    }
    return out;
  }
}

async function* readDirSafe(path: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
