/**
 * The log database (LOG_DATABASE_URL): every role's structured logs at or above LOG_DB_LEVEL,
 * written in the background. The logger hands each record to `write`, which only pushes onto a
 * bounded queue (full → the line is dropped and counted); a timer drains the queue in batches
 * into `logs`, a table partitioned by day (partitions created ahead, dropped after
 * `retentionDays`), and folds error and fatal lines into `error_summary` (count, first and last
 * seen, a sample per component, category and code). A database that is away costs dropped lines,
 * never a blocked worker: a failed batch is put back only while the queue has room.
 */
import client from "prom-client";
import type { LogLevel, LogRecord, LogSink } from "../lib/log.ts";
import { registry } from "../lib/metrics.ts";
import { classify } from "./_log_category.ts";
import type { Db, Queryable } from "./db.ts";

export const logDbDropped = new client.Counter({
  name: "sluice_log_db_dropped_total",
  help: "Log lines not written to the log database (queue full while it was away)",
  registers: [registry],
});

export const logDbWritten = new client.Counter({
  name: "sluice_log_db_written_total",
  help: "Log lines written to the log database",
  registers: [registry],
});

export interface LogDbOptions {
  /** Lowest level written. Default `warn`. */
  level?: LogLevel;
  /** Lines queued at most. Default 10_000. */
  capacity?: number;
  /** Lines per insert at most. Default 1_000. */
  batchSize?: number;
  /** How often the queue is drained, in ms. Default 1_000. */
  flushMs?: number;
  /** Days of partitions kept. Default 7. */
  retentionDays?: number;
  /** The process's role(s), stored with each line. */
  role?: string;
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS logs (
     ts timestamptz NOT NULL, level text NOT NULL, component text NOT NULL, msg text NOT NULL,
     fields jsonb NOT NULL DEFAULT '{}', role text, pid integer
   ) PARTITION BY RANGE (ts)`,
  `CREATE INDEX IF NOT EXISTS logs_ts_idx ON logs (ts DESC)`,
  `CREATE TABLE IF NOT EXISTS error_summary (
     component text NOT NULL, category text NOT NULL, code text NOT NULL,
     count bigint NOT NULL, first_seen timestamptz NOT NULL, last_seen timestamptz NOT NULL,
     sample jsonb NOT NULL, PRIMARY KEY (component, category, code))`,
];

/** `logs_YYYYMMDD` for the UTC day of `d`. */
export function partitionName(d: Date): string {
  return `logs_${d.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

const DAY_MS = 86_400_000;

export class LogDbWriter implements LogSink {
  readonly level: LogLevel;
  readonly #db: Db;
  readonly #o: Required<Omit<LogDbOptions, "level">>;
  #queue: LogRecord[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushing: Promise<void> | null = null;
  #partitionsUntil = 0;
  dropped = 0;

  constructor(db: Db, o: LogDbOptions = {}) {
    this.#db = db;
    this.level = o.level ?? "warn";
    this.#o = {
      capacity: o.capacity ?? 10_000,
      batchSize: o.batchSize ?? 1_000,
      flushMs: o.flushMs ?? 1_000,
      retentionDays: o.retentionDays ?? 7,
      role: o.role ?? "",
    };
  }

  /** Enqueues one record; never blocks, never throws. */
  write(record: LogRecord): void {
    if (this.#queue.length >= this.#o.capacity) {
      this.dropped++;
      logDbDropped.inc();
      return;
    }
    this.#queue.push(record);
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Starts the background drain. */
  start(): this {
    this.#timer ??= setInterval(() => void this.flush(), this.#o.flushMs);
    return this;
  }

  /** Creates the tables and the partitions from yesterday to tomorrow, drops expired ones. */
  async prepare(now = new Date()): Promise<void> {
    for (const sql of DDL) await this.#db.exec(sql);
    for (let d = -1; d <= 1; d++) await this.ensurePartition(new Date(now.getTime() + d * DAY_MS));
    await this.dropExpired(now);
    this.#partitionsUntil = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) +
      2 * DAY_MS;
  }

  async ensurePartition(day: Date): Promise<void> {
    const from = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
    const to = new Date(from.getTime() + DAY_MS);
    await this.#db.exec(
      `CREATE TABLE IF NOT EXISTS ${partitionName(from)} PARTITION OF logs
       FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
    );
  }

  /** Drops the day partitions older than the retention; returns their names. */
  async dropExpired(now = new Date()): Promise<string[]> {
    const oldest = partitionName(new Date(now.getTime() - this.#o.retentionDays * DAY_MS));
    const parts = await this.#db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE p.relname = 'logs' AND n.nspname = current_schema()`,
    );
    const expired = parts.map((p) => p.name).filter((n) => /^logs_\d{8}$/.test(n) && n < oldest);
    for (const name of expired) await this.#db.exec(`DROP TABLE IF EXISTS ${name}`);
    return expired;
  }

  /** Writes what is queued (one batch at a time); a failed batch is re-queued while room. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = null));
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#o.batchSize);
      try {
        if (Date.now() >= this.#partitionsUntil) await this.prepare();
        await this.#insert(batch);
        logDbWritten.inc(batch.length);
      } catch {
        // Never logged through the logger (it would feed itself): the lines wait or are dropped.
        const room = Math.max(0, this.#o.capacity - this.#queue.length);
        const lost = batch.length - Math.min(room, batch.length);
        this.#queue.unshift(...batch.slice(0, room));
        this.dropped += lost;
        logDbDropped.inc(lost);
        return;
      }
    }
  }

  /** The lines and their error summary in one transaction: both or neither. */
  #insert(batch: LogRecord[]): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await this.#insertLines(tx, batch);
      await this.#summarise(tx, batch.filter((r) => r.level === "error" || r.level === "fatal"));
    });
  }

  async #insertLines(tx: Queryable, batch: LogRecord[]): Promise<void> {
    await tx.query(
      `INSERT INTO logs (ts, level, component, msg, fields, role, pid)
       SELECT t.ts, t.level, t.component, t.msg, t.fields, $6, $7
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
         AS t(ts, level, component, msg, fields)`,
      [
        batch.map((r) => r.ts),
        batch.map((r) => r.level),
        batch.map((r) => r.ns),
        batch.map((r) => r.msg),
        batch.map((r) => JSON.stringify(r.fields)),
        this.#o.role,
        Deno.pid,
      ],
    );
  }

  async #summarise(tx: Queryable, errors: LogRecord[]): Promise<void> {
    if (errors.length === 0) return;
    const groups = new Map<string, { key: string[]; n: number; first: string; last: LogRecord }>();
    for (const r of errors) {
      const { category, code } = classify(r.fields);
      const k = JSON.stringify([r.ns, category, code]);
      const g = groups.get(k);
      if (g) {
        g.n++;
        g.last = r;
      } else groups.set(k, { key: [r.ns, category, code], n: 1, first: r.ts, last: r });
    }
    const gs = [...groups.values()];
    await tx.query(
      `INSERT INTO error_summary AS s (component, category, code, count, first_seen, last_seen,
         sample)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[],
         $6::timestamptz[], $7::jsonb[])
       ON CONFLICT (component, category, code) DO UPDATE SET count = s.count + excluded.count,
         first_seen = least(s.first_seen, excluded.first_seen),
         last_seen = greatest(s.last_seen, excluded.last_seen), sample = excluded.sample`,
      [
        gs.map((g) => g.key[0]),
        gs.map((g) => g.key[1]),
        gs.map((g) => g.key[2]),
        gs.map((g) => g.n),
        gs.map((g) => g.first),
        gs.map((g) => g.last.ts),
        gs.map((g) => JSON.stringify({ msg: g.last.msg, level: g.last.level, ...g.last.fields })),
      ],
    );
  }

  /** Stops the drain after one last flush. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
