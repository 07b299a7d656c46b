/**
 * The text writer against the machine's own ceilings, in one run on one pre-filled topic of
 * BENCH_PARTITIONS (default 6) partitions holding twice BENCH_MESSAGES (default 200,000) messages:
 * 1. raw kafkajs consume of the first BENCH_MESSAGES (a commit per batch, no processing), in its
 *    own process;
 * 2. raw PostgreSQL COPY of the same rows into a fresh table, in its own process: in one stream,
 *    and in transactions of the writer's batch size (WRITER_BATCH_SIZE, default 2,500 rows, each
 *    batch in id order as the writer stores it), since the writer commits every batch;
 * 3. one `text-writer` process (`deno run main.ts text-writer`, default settings) until the
 *    group's committed offsets cover every message and every row is there;
 * 4. two `text-writer` processes in one new group, into another fresh schema.
 * A writer run's sustained rate is that of the second half: it starts once the first
 * BENCH_MESSAGES are committed and the group is stable with every process a member, so neither
 * start-up (compiling, joining) nor the rebalance a second member causes is in it. Before, two
 * processes were timed from the first row: the first member to join drained most of the backlog
 * alone while the second joined, and "two ÷ one" came out under 1.
 * Each figure comes with its process's peak RSS (VmHWM); the ratios are printed with them.
 * BENCH_WRITER_V8_FLAGS, when set, is the writers' DENO_V8_FLAGS (say --max-old-space-size=128).
 * BENCH_BASELINE, when set to another checkout's main.ts, adds one writer process of that
 * checkout on the same topic (an A/B in one run, whatever the machine's load).
 */
import { migrate, PostgresDb } from "../db/mod.ts";
import { copyText } from "../db/db.ts";
import {
  committedTotal,
  DATABASE_URL,
  KAFKA_BROKERS,
  produceTexts,
  RoleProcess,
  sandbox,
  uniqueName,
  until,
} from "../tests/helpers/mod.ts";
import type { Sandbox } from "../tests/helpers/mod.ts";
import { type CeilingResult, peakRssMiB } from "./ceilings.ts";
import { backendCpu, cpuSeconds } from "./_cpu.ts";
import { ROLE_V8_FLAGS } from "../scripts/compile.ts";

// Read when the bench runs, so `deno task bench quick` can set them first.
const size = () => ({
  N: Number(Deno.env.get("BENCH_MESSAGES") ?? 200_000),
  PARTITIONS: Number(Deno.env.get("BENCH_PARTITIONS") ?? 6),
});

export interface WriterRun {
  processes: number;
  messages: number;
  /** Second half: group stable, first half committed → last offset committed. */
  sustainedRate: number;
  /** Process start → last offset committed (start-up and group join included). */
  overallRate: number;
  peakRssMiB: number[];
  /** CPU per message while sustained, in µs: the writer processes', their PostgreSQL backends'. */
  cpuUsPerMessage: { writer: number; postgres: number };
}

export interface TextBench {
  messages: number;
  partitions: number;
  kafka: CeilingResult;
  copy: CeilingResult;
  /** COPY in transactions of the writer's batch size. */
  copyBatched: CeilingResult & { batchRows: number };
  one: WriterRun;
  two: WriterRun;
  /** One writer process of the BENCH_BASELINE checkout, when set. */
  baseline?: WriterRun;
}

/** ~94-byte messages, as measured in issue 15: a UUID id and a short text. */
function benchMessages(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: crypto.randomUUID(),
    text: `bench message ${i} with a little text`,
  }));
}

async function ceiling(kind: "kafka" | "copy", options: unknown): Promise<CeilingResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./ceilings.ts", import.meta.url).pathname,
      kind,
      JSON.stringify(options),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`the ${kind} ceiling failed`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** A fresh schema with the migrations applied; dropped by the returned function. */
async function freshSchema(
  tag: string,
): Promise<{ schema: string; db: PostgresDb; drop: () => Promise<void> }> {
  const schema = uniqueName(`bench_${tag}`, "_").replaceAll("-", "_");
  const db = new PostgresDb({ url: DATABASE_URL, schema });
  await db.exec(`CREATE SCHEMA ${schema}`);
  await migrate(db);
  return {
    schema,
    db,
    drop: async () => {
      await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await db.close();
    },
  };
}

export async function writers(
  s: Sandbox,
  processes: number,
  tag: string,
  main?: string,
): Promise<WriterRun> {
  const { N, PARTITIONS } = size();
  const target = await freshSchema(tag);
  const group = `${s.topic}-${tag}`;
  const v8 = Deno.env.get("BENCH_WRITER_V8_FLAGS");
  const env = {
    ...s.env,
    ...(v8 ? { DENO_V8_FLAGS: v8 } : {}),
    DATABASE_SCHEMA: target.schema,
    PGAPPNAME: group,
    TEXT_GROUP: group,
    TOPIC_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: "warn",
  };
  const count = async () =>
    (await target.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM text_messages`))[0].n;
  const start = performance.now();
  // The baseline's process gets the roles' V8 flags too: without them its heap grows freely, and
  // it collects less often than the writer it is compared with.
  const args = main ? ["run", "-A", ...ROLE_V8_FLAGS, main, "text-writer"] : undefined;
  const procs = Array.from(
    { length: processes },
    () => new RoleProcess("text-writer", env, undefined, args),
  );
  const backends = backendCpu(target.db, group);
  const cpu = () => ({
    writer: procs.reduce((n, p) => n + cpuSeconds(p.child.pid), 0),
    postgres: backends.seconds(),
  });
  try {
    const admin = await s.kafka.admin();
    let firstAt = 0, firstRows = 0, firstCpu = cpu();
    await until(
      "the first half committed, every process a member of the stable group",
      async () => {
        if ((await committedTotal(s, group)) < N) return false;
        const g = await admin.describeGroup(group);
        if (g.state !== "Stable" || g.members !== processes) return false;
        firstRows = await count();
        firstAt = performance.now();
        firstCpu = cpu();
        return true;
      },
      600_000,
      5,
    );
    if (firstRows > 1.5 * N) throw new Error(`only ${2 * N - firstRows} messages left to time`);
    await until(
      "every offset committed",
      async () => (await committedTotal(s, group)) >= 2 * N,
      900_000,
      20,
    );
    const end = performance.now();
    const endCpu = cpu();
    const peaks = procs.map((p) => peakRssMiB(p.child.pid));
    const rows = await count();
    if (rows !== 2 * N) throw new Error(`expected ${2 * N} rows, got ${rows}`);
    return {
      processes,
      messages: 2 * N,
      sustainedRate: (2 * N - firstRows) / ((end - firstAt) / 1000),
      overallRate: (2 * N) / ((end - start) / 1000),
      peakRssMiB: peaks,
      cpuUsPerMessage: {
        writer: (endCpu.writer - firstCpu.writer) * 1e6 / (2 * N - firstRows),
        postgres: (endCpu.postgres - firstCpu.postgres) * 1e6 / (2 * N - firstRows),
      },
    };
  } catch (err) {
    for (const p of procs) console.error(p.output.slice(-4000));
    throw err;
  } finally {
    for (const p of procs) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await backends.stop();
    await target.drop();
  }
}

export async function textBench(out: (line: string) => void): Promise<TextBench> {
  const { N, PARTITIONS } = size();
  const s = await sandbox({ TOPIC_PARTITIONS: String(PARTITIONS) });
  const tsv = await Deno.makeTempFile({ suffix: ".tsv" });
  try {
    out(`text: pre-filling ${s.topic} (${PARTITIONS} partitions) with ${2 * N} messages...`);
    const all = benchMessages(2 * N);
    await produceTexts(s, all, 10_000);
    // The ceilings take the first half: what the writers' timed half is compared with.
    const msgs = all.slice(0, N);
    const batchRows = Number(Deno.env.get("WRITER_BATCH_SIZE") ?? 2_500);
    let rows = "";
    for (let i = 0; i < msgs.length; i += batchRows) {
      const batch = msgs.slice(i, i + batchRows).sort((a, b) => a.id < b.id ? -1 : 1);
      for (const m of batch) rows += `${copyText(m.id)}\t${copyText(m.text)}\n`;
    }
    await Deno.writeTextFile(tsv, rows);

    out("text: ceiling 1, raw kafkajs consume (commit per batch, no processing)...");
    const kafka = await ceiling("kafka", {
      brokers: KAFKA_BROKERS.split(","),
      topic: s.topic,
      count: N,
    });
    /** COPY of the rows into a fresh schema: one stream, or transactions of `batch` rows. */
    const copyCeiling = async (tag: string, batch?: number) => {
      const target = await freshSchema(tag);
      return await ceiling("copy", {
        url: DATABASE_URL,
        schema: target.schema,
        file: tsv,
        ...(batch ? { batchRows: batch } : {}),
      }).finally(() => target.drop());
    };
    out("text: ceiling 2, raw PostgreSQL COPY of the same rows...");
    const copy = await copyCeiling("copy");
    out(`text: ceiling 3, raw PostgreSQL COPY in ${batchRows}-row transactions...`);
    const copyBatched = { ...await copyCeiling("copyb", batchRows), batchRows };
    out("text: one text-writer process...");
    const one = await writers(s, 1, "one");
    out("text: two text-writer processes in one group...");
    const two = await writers(s, 2, "two");
    const base = Deno.env.get("BENCH_BASELINE");
    if (base) out(`text: one text-writer process of ${base}...`);
    const baseline = base ? await writers(s, 1, "base", base) : undefined;
    return { messages: N, partitions: PARTITIONS, kafka, copy, copyBatched, one, two, baseline };
  } finally {
    await Deno.remove(tsv).catch(() => {});
    await s.dispose();
  }
}

/** The lines `deno task bench` prints for this bench. */
export function textLines(r: TextBench): string[] {
  const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
  const mib = (xs: number[]) => xs.map((x) => `${Math.round(x)} MiB`).join(" + ");
  const ceil = Math.min(r.kafka.rate, r.copy.rate);
  const cpu = (w: WriterRun) =>
    `CPU/msg writer ${w.cpuUsPerMessage.writer.toFixed(1)} µs + PostgreSQL ${
      w.cpuUsPerMessage.postgres.toFixed(1)
    } µs`;
  const b = r.baseline;
  const base = b
    ? [
      `baseline : 1 process ${fmt(b.sustainedRate)} msg/s sustained (peak RSS ${
        mib(b.peakRssMiB)
      }; ${cpu(b)}); writer / baseline ${(r.one.sustainedRate / b.sustainedRate).toFixed(2)}`,
    ]
    : [];
  return [
    `text     : ${r.messages} messages of ~94 bytes on ${r.partitions} partitions`,
    `ceiling  : raw kafkajs consume ${fmt(r.kafka.rate)} msg/s (peak RSS ${
      mib([r.kafka.peakRssMiB])
    })`,
    `ceiling  : raw PostgreSQL COPY ${fmt(r.copy.rate)} rows/s in one stream (peak RSS ${
      mib([r.copy.peakRssMiB])
    }), ${fmt(r.copyBatched.rate)} rows/s in ${r.copyBatched.batchRows}-row transactions`,
    `writer   : 1 process ${fmt(r.one.sustainedRate)} msg/s sustained, ${
      fmt(r.one.overallRate)
    } msg/s with start-up (peak RSS ${mib(r.one.peakRssMiB)}; ${cpu(r.one)})`,
    `writer   : 2 processes ${fmt(r.two.sustainedRate)} msg/s sustained, ${
      fmt(r.two.overallRate)
    } msg/s with start-up (peak RSS ${mib(r.two.peakRssMiB)}; ${cpu(r.two)})`,
    `ratios   : writer / COPY ${
      (r.one.sustainedRate / r.copy.rate).toFixed(2)
    } (in ${r.copyBatched.batchRows}-row transactions ${
      (r.one.sustainedRate / r.copyBatched.rate).toFixed(2)
    }), writer / kafkajs ${
      (r.one.sustainedRate / r.kafka.rate).toFixed(2)
    }, writer / min(ceilings) ${(r.one.sustainedRate / ceil).toFixed(2)}, 2 writers / 1 ${
      (r.two.sustainedRate / r.one.sustainedRate).toFixed(2)
    }`,
    ...base,
  ];
}
