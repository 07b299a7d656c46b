/**
 * The raw store: every accepted finance event once, in `finance_raw_events`, partitioned by the
 * UTC day of the provider's time (declarative range partitioning, one partition per day, created
 * ahead; older ones dropped after RAW_RETENTION_DAYS). The key `(event_id, day)` makes a
 * provider's retry of the same delivery a no-op: the event id and its day are both deterministic.
 *
 * It is also the outbox: `published_at` stays NULL until the broker acknowledged the event, so a
 * process killed between the INSERT and the send leaves a row the relay publishes later.
 *
 * The raw database may be another server than the main one (RAW_DATABASE_URL), so this store owns
 * its schema (`ensureSchema`) rather than going through the main migrations.
 */
import type { Db, Queryable } from "../../db/mod.ts";
import type { FinanceEvent } from "../../schemas/finance.ts";
import { eventJson } from "./normalize.ts";

const TABLE = "finance_raw_events";
const LOCK = 7235013;
const DAY_MS = 86_400_000;

/** The partition key of an event: the UTC day of its provider time. */
export function dayOf(e: FinanceEvent): string {
  return e.published_at.slice(0, 10);
}

/** An event's key in the raw store. */
export const keyOf = (e: FinanceEvent): RawKey => ({ event_id: e.event_id, day: dayOf(e) });

export interface RawKey {
  event_id: string;
  day: string;
}

export interface RawRow {
  event_id: string;
  day: string;
  received_at: string;
  published_at: string | null;
  event: FinanceEvent;
}

export interface ListFilter {
  source?: string;
  symbol?: string;
  /** Events whose provider time is at or after this. */
  since?: Date;
  limit: number;
}

const partitionName = (day: string) => `${TABLE}_p${day.replaceAll("-", "")}`;

/**
 * Joins `${TABLE} t` to the keys `$<at>` (ids) and `$<at + 1>` (days). `$<at + 2>`, the distinct
 * days, lets the planner prune the partitions: a join on unnest alone is planned against every
 * partition of the retention window (35 by default), which made marking one event published cost
 * 3 ms of database CPU.
 */
const keysAt = (at: number) => `unnest($${at}::text[], $${at + 1}::date[]) AS k(event_id, day)`;
const onKeysAt = (at: number) =>
  `t.event_id = k.event_id AND t.day = k.day AND t.day = ANY($${at + 2}::date[])`;
const KEYS = keysAt(1);
const ON_KEYS = onKeysAt(1);
/** Marks the keys from `$<at>` on (`keyParams`) published. */
const markAt = (at: number) =>
  `UPDATE ${TABLE} t SET published_at = now() FROM ${keysAt(at)}
    WHERE ${onKeysAt(at)} AND t.published_at IS NULL`;
const keyParams = (keys: RawKey[]) => {
  const days = keys.map((k) => k.day);
  return [keys.map((k) => k.event_id), days, [...new Set(days)]];
};
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

export class RawEventStore {
  constructor(readonly db: Db, private retentionDays = 30, private aheadDays = 3) {}

  /** Creates the table and its partitions for the retention window and the days ahead. */
  async ensureSchema(now = new Date()): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK})`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (
        event_id text NOT NULL,
        day date NOT NULL,
        source text NOT NULL,
        symbols text[] NOT NULL,
        event_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        request_id text NOT NULL,
        event jsonb NOT NULL,
        published_at timestamptz,
        PRIMARY KEY (event_id, day)
      ) PARTITION BY RANGE (day)`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE}_default PARTITION OF ${TABLE} DEFAULT`,
      );
      await tx.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_unpublished ON ${TABLE} (received_at)
        WHERE published_at IS NULL`);
      await tx.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_event_at ON ${TABLE} (event_at DESC)`);
      await this.#createPartitions(tx, now);
    });
  }

  async #createPartitions(tx: Queryable, now: Date): Promise<void> {
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    for (let d = -this.retentionDays; d <= this.aheadDays; d++) {
      const day = isoDay(today + d * DAY_MS);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF ${TABLE}
        FOR VALUES FROM ('${day}') TO ('${isoDay(today + (d + 1) * DAY_MS)}')`);
    }
  }

  /**
   * Creates the partitions ahead and drops those older than the retention (and deletes such
   * rows from the default partition). Returns the dropped partitions' names.
   */
  maintain(now = new Date()): Promise<string[]> {
    const cutoff = isoDay(now.getTime() - this.retentionDays * DAY_MS);
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK})`);
      const parts = await tx.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = '${TABLE}'::regclass AND c.relname ~ '_p[0-9]{8}$'`,
      );
      const old = parts.map((p) => p.name).filter((n) => n.slice(-8) < cutoff.replaceAll("-", ""))
        .sort();
      for (const name of old) await tx.query(`DROP TABLE IF EXISTS ${name}`);
      await tx.query(`DELETE FROM ${TABLE}_default WHERE day < $1`, [cutoff]);
      await this.#createPartitions(tx, now);
      return old;
    });
  }

  /**
   * Inserts the events not stored yet; returns the ids of those inserted now. `marks`, keys of
   * events the broker acknowledged since, are marked published by the same statement (a
   * data-modifying CTE): one statement and one commit a flush instead of two, which is most of
   * what a small flush costs the database (a synchronous commit) and the client (a round trip).
   */
  async insert(events: FinanceEvent[], marks: RawKey[] = []): Promise<Set<string>> {
    if (events.length === 0) {
      await this.markPublished(marks);
      return new Set();
    }
    const mark = marks.length > 0 ? `WITH marked AS (${markAt(2)})\n` : "";
    // The columns are read from the events themselves (the day is the UTC date of the provider
    // time, as `dayOf`), so the parameter is the events' JSON as the broker gets it.
    const rows = await this.db.query<{ event_id: string }>(
      `${mark}INSERT INTO ${TABLE} (event_id, day, source, symbols, event_at, received_at, request_id, event)
       SELECT e->>'event_id', left(e->>'published_at', 10)::date, e->>'source',
              ARRAY(SELECT jsonb_array_elements_text(e->'symbols')),
              (e->>'published_at')::timestamptz, (e->>'received_at')::timestamptz,
              e->>'request_id', e
         FROM jsonb_array_elements($1::jsonb) AS e
       ON CONFLICT (event_id, day) DO NOTHING
       RETURNING event_id`,
      [`[${events.map(eventJson).join(",")}]`, ...(marks.length > 0 ? keyParams(marks) : [])],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /**
   * For a flush about to send duplicates of stored events: claims those of `keys` still
   * unpublished (their `received_at` becomes now, so that the `forget` of a flush whose send
   * failed meanwhile, which deletes its rows only as it inserted them, leaves them to this send)
   * and returns their events, and the keys no longer stored at all (forgotten by such a flush
   * between this flush's INSERT and now), which the caller stores again.
   */
  async claimUnpublished(
    keys: RawKey[],
  ): Promise<{ events: FinanceEvent[]; missing: RawKey[] }> {
    if (keys.length === 0) return { events: [], missing: [] };
    const rows = await this.db.query<{ event_id: string; day: string; event: FinanceEvent | null }>(
      `WITH claimed AS (
         UPDATE ${TABLE} t SET received_at = now() FROM ${KEYS}
          WHERE ${ON_KEYS} AND t.published_at IS NULL
          RETURNING t.event_id, t.day, t.event)
       SELECT k.event_id, k.day::text AS day, c.event FROM ${KEYS}
         LEFT JOIN claimed c ON c.event_id = k.event_id AND c.day = k.day
        WHERE c.event IS NOT NULL OR NOT EXISTS (SELECT 1 FROM ${TABLE} t WHERE ${ON_KEYS})`,
      keyParams(keys),
    );
    return {
      events: rows.flatMap((r) => (r.event ? [r.event] : [])),
      missing: rows.flatMap((r) => (r.event ? [] : [{ event_id: r.event_id, day: r.day }])),
    };
  }

  /** Marks events as acknowledged by the broker. */
  async markPublished(keys: RawKey[], tx: Queryable = this.db): Promise<void> {
    if (keys.length === 0) return;
    await tx.query(markAt(1), keyParams(keys));
  }

  /**
   * Deletes events still unpublished as they were inserted (their send failed; the provider will
   * retry them): a row another flush claimed since (`claimUnpublished`) is left to its send.
   */
  async forget(events: FinanceEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.query(
      `DELETE FROM ${TABLE} t
        USING unnest($1::text[], $2::date[], $4::timestamptz[]) AS k(event_id, day, received_at)
        WHERE ${ON_KEYS} AND t.published_at IS NULL AND t.received_at = k.received_at`,
      [
        ...keyParams(events.map(keyOf)),
        events.map((e) => e.received_at),
      ],
    );
  }

  /**
   * The outbox relay's step: locks up to `limit` events unpublished for longer than `graceMs`
   * (skipping those another process holds), hands them to `publish`, and marks them published
   * in the same transaction. Returns how many were published.
   */
  relay(graceMs: number, limit: number, publish: (e: FinanceEvent[]) => Promise<void>) {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ event: FinanceEvent }>(
        `SELECT event FROM ${TABLE}
          WHERE published_at IS NULL AND received_at < now() - make_interval(secs => $1)
          ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [graceMs / 1000, limit],
      );
      if (rows.length === 0) return 0;
      const events = rows.map((r) => r.event);
      await publish(events);
      await this.markPublished(events.map(keyOf), tx);
      return events.length;
    });
  }

  async list(f: ListFilter): Promise<RawRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.source) where.push(`source = $${params.push(f.source)}`);
    if (f.symbol) where.push(`$${params.push(f.symbol)} = ANY(symbols)`);
    if (f.since) where.push(`event_at >= $${params.push(f.since.toISOString())}`);
    const rows = await this.db.query<RawRow>(
      `SELECT event_id, to_char(day, 'YYYY-MM-DD') AS day, received_at, published_at, event
         FROM ${TABLE} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY event_at DESC, event_id LIMIT $${params.push(f.limit)}`,
      params,
    );
    return rows;
  }

  /** One event by id (any day). */
  async get(eventId: string): Promise<RawRow | null> {
    const rows = await this.db.query<RawRow>(
      `SELECT event_id, to_char(day, 'YYYY-MM-DD') AS day, received_at, published_at, event
         FROM ${TABLE} WHERE event_id = $1 ORDER BY day LIMIT 1`,
      [eventId],
    );
    return rows[0] ?? null;
  }

  /** Names of the day partitions, oldest first. */
  async partitions(): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '${TABLE}'::regclass ORDER BY c.relname`,
    );
    return rows.map((r) => r.name);
  }
}
