/**
 * The machine's own ceilings for the text writer, each run in its own process so its peak RSS
 * is its own (`deno run -A bench/ceilings.ts <kafka|copy> <json options>`; prints one JSON line):
 * - `kafka`: raw kafkajs consume of the topic with a commit per batch and no processing;
 * - `copy`: PostgreSQL `COPY` of the rows (a TSV file) into a fresh `text_messages`: in one
 *   stream, or with `batchRows`, in transactions of that many rows, one after another (BEGIN,
 *   COPY, COMMIT), as the writer commits each of its batches before its offsets.
 */
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { dropNegativeTimeoutWarnings } from "../transport/kafka/_timer_warning.ts";

export interface CeilingResult {
  rows: number;
  seconds: number;
  rate: number;
  peakRssMiB: number;
}

/**
 * A memory figure of a process's `/proc/<pid>/status`, in MiB: its peak resident set (VmHWM),
 * its current one (VmRSS), or the anonymous part of that (RssAnon: what a cgroup's memory limit
 * holds back; the binary's pages are page cache, which the kernel can reclaim).
 */
export type RssField = "VmHWM" | "VmRSS" | "RssAnon";

export function statusMiB(pid: number | "self", field: RssField): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN; // not Linux, or the process is gone
  }
}

/** A process's peak resident set (VmHWM), in MiB; `current` reads VmRSS instead. */
export function peakRssMiB(pid: number | "self" = "self", current = false): number {
  return statusMiB(pid, current ? "VmRSS" : "VmHWM");
}

/** Samples a process's `field` every `intervalMs`; `max()` is the largest seen. */
export function rssSampler(
  pid: number,
  field: RssField = "VmHWM",
  intervalMs = 250,
): { max: () => number; stop: () => void } {
  let max = NaN;
  const sample = () => {
    const x = statusMiB(pid, field);
    if (!isNaN(x)) max = isNaN(max) ? x : Math.max(max, x);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return { max: () => (sample(), max), stop: () => clearInterval(timer) };
}

async function kafkaCeiling(o: { brokers: string[]; topic: string; count: number }) {
  // kafkajs's own TimeoutNegativeWarning, as the transport drops it.
  dropNegativeTimeoutWarnings();
  const kafka = new Kafka({ brokers: o.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `${o.topic}-ceiling-${crypto.randomUUID().slice(0, 8)}`,
    maxWaitTimeInMs: 100,
    maxBytes: 8 * 1024 * 1024,
    maxBytesPerPartition: 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
  let n = 0, started = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      if (batch.messages.length === 0) return;
      if (started === 0) started = performance.now();
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({
        topics: [{
          topic: batch.topic,
          partitions: [{ partition: batch.partition, offset: String(BigInt(last) + 1n) }],
        }],
      });
      n += batch.messages.length;
      if (n >= o.count) finish();
    },
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return { rows: n, seconds };
}

async function copyCeiling(
  o: { url: string; schema: string; file: string; batchRows?: number },
) {
  const client = new pg.Client({ connectionString: o.url, options: `-c search_path=${o.schema}` });
  await client.connect();
  const data = await Deno.readFile(o.file);
  // Where each transaction's rows end (the whole file when not batched).
  const ends: number[] = [];
  let rows = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 10 && ++rows % (o.batchRows ?? Infinity) === 0) ends.push(i + 1);
  }
  if (ends.at(-1) !== data.length) ends.push(data.length);
  const copy = (chunk: Uint8Array) => {
    const stream = client.query(copyFrom("COPY text_messages (id, message) FROM STDIN"));
    return new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("finish", resolve);
      // In 1 MiB writes, as a client streaming rows would.
      for (let i = 0; i < chunk.length; i += 1 << 20) {
        stream.write(chunk.subarray(i, i + (1 << 20)));
      }
      stream.end();
    });
  };
  const started = performance.now();
  let from = 0;
  for (const end of ends) {
    if (o.batchRows) await client.query("BEGIN");
    await copy(data.subarray(from, end));
    if (o.batchRows) await client.query("COMMIT");
    from = end;
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return { rows, seconds };
}

if (import.meta.main) {
  const [kind, json] = Deno.args;
  const o = JSON.parse(json);
  const r = kind === "kafka" ? await kafkaCeiling(o) : await copyCeiling(o);
  const result: CeilingResult = { ...r, rate: r.rows / r.seconds, peakRssMiB: peakRssMiB() };
  console.log(JSON.stringify(result));
  Deno.exit(0);
}
