/**
 * One small SQL interface over PostgreSQL (node-postgres pool) and PGlite (embedded, for
 * `deno task dev`). Database errors are classified here: data and integrity errors are not
 * retriable; connection, resource and permission errors are.
 */
import pg from "pg";
import { from as copyFromStream } from "pg-copy-streams";
import { SluiceError, UpstreamError } from "../lib/errors.ts";

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `COPY … FROM STDIN` with `data` in COPY's text format (PostgreSQL only: absent
   * elsewhere, so callers keep a plain insert for PGlite). On a `Db` it is a transaction of its
   * own: all of `data` is stored, or none of it.
   */
  copyFrom?(sql: string, data: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs several statements (no parameters). */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const NOT_RETRIABLE_CLASSES = ["22", "23", "42", "0A", "P0"];

/** The SQLSTATE of an error the server reported, if it is one. */
function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Wraps a driver error: a retriable UpstreamError unless the statement itself is at fault. */
export function dbError(err: unknown, action: string): SluiceError {
  if (err instanceof SluiceError) return err;
  const sqlState = sqlStateOf(err);
  const retriable = sqlState === undefined || sqlState === "42501" ||
    !NOT_RETRIABLE_CLASSES.includes(sqlState.slice(0, 2));
  const detail = err instanceof Error ? err.message : String(err);
  return new UpstreamError(`DB_${sqlState ?? "UNAVAILABLE"}`, `${action} failed: ${detail}`, {
    retriable,
    cause: err,
  });
}

export interface PostgresOptions {
  url: string;
  schema?: string;
  poolSize?: number;
  /**
   * `statement_timeout` of every connection in ms (0: none): a statement running longer is
   * cancelled (SQLSTATE 57014, retriable). Default 0.
   */
  statementTimeoutMs?: number;
  /**
   * `lock_timeout` of every connection in ms (0: none): a lock waited for longer fails the
   * statement (SQLSTATE 55P03, retriable), so a table lock held elsewhere becomes an error the
   * worker retries and reports instead of a silent stall. Default 0.
   */
  lockTimeoutMs?: number;
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(s: string): string {
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c as keyof typeof COPY_ESCAPES])
    : s;
}
const COPY_ESCAPES = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * `rows` in ascending `key` order (the same array when they are already, as the writers sort
 * them): a store writes its rows in one order, so two writers storing overlapping batches take
 * their locks in the same order. Keys are distinct within a call.
 */
export function inKeyOrder<T>(rows: T[], key: (r: T) => string): T[] {
  for (let i = 1; i < rows.length; i++) {
    if (key(rows[i - 1]) > key(rows[i])) {
      return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }
  }
  return rows;
}

/**
 * The usual batch of a store: a `COPY` on its own, one round trip (`db.copyFrom` is its own
 * transaction). True when it stored every row; false when some row's key was stored already
 * (SQLSTATE 23505), in which case the COPY stored none and the caller inserts the batch in a way
 * that skips what is there. Any other failure is thrown. PostgreSQL only (`db.copyFrom`).
 */
export async function copyIfAllNew(db: Queryable, sql: string, data: string): Promise<boolean> {
  if (!db.copyFrom) throw new RangeError("copyIfAllNew needs a database with COPY");
  try {
    await db.copyFrom(sql, data);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== "DB_23505") throw err;
    return false;
  }
}

/** Streams `data` to `COPY … FROM STDIN` on `client`; resolves once the server has it all. */
function copyInto(client: pg.PoolClient, sql: string, data: string): Promise<void> {
  const stream = client.query(copyFromStream(sql));
  return new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
    stream.end(data);
  });
}

export class PostgresDb implements Db {
  readonly kind = "postgres" as const;
  readonly pool: pg.Pool;
  /** The schema every connection's search_path names. */
  readonly schema: string;

  constructor(options: PostgresOptions) {
    const schema = this.schema = options.schema ?? "public";
    const settings = [`-c search_path=${schema}`];
    if (options.statementTimeoutMs) {
      settings.push(`-c statement_timeout=${options.statementTimeoutMs}`);
    }
    if (options.lockTimeoutMs) settings.push(`-c lock_timeout=${options.lockTimeoutMs}`);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 10_000,
      options: settings.join(" "),
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on("error", () => {});
  }

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    try {
      const res = await this.pool.query(sql, params);
      return res.rows as T[];
    } catch (err) {
      throw dbError(err, "Query");
    }
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  /** One COPY alone, in one round trip instead of four with BEGIN, a savepoint and COMMIT. */
  async copyFrom(sql: string, data: string): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw dbError(err, "Connecting to PostgreSQL");
    }
    try {
      await copyInto(client, sql, data);
      client.release();
    } catch (err) {
      // An error the server reported (a SQLSTATE) leaves the connection usable; others may not.
      client.release(sqlStateOf(err) === undefined);
      throw dbError(err, "Copy");
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw dbError(err, "Connecting to PostgreSQL");
    }
    const tx: Queryable = {
      query: async <R>(sql: string, params?: unknown[]) => {
        try {
          return (await client.query(sql, params)).rows as R[];
        } catch (err) {
          throw dbError(err, "Query");
        }
      },
      copyFrom: async (sql: string, data: string) => {
        try {
          await copyInto(client, sql, data);
        } catch (err) {
          throw dbError(err, "Copy");
        }
      },
    };
    try {
      await tx.query("BEGIN");
      const out = await fn(tx);
      await tx.query("COMMIT");
      client.release();
      return out;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      client.release(true);
      throw err;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** PGlite: PostgreSQL compiled to WASM, data kept in a local folder. */
export class PgliteDb implements Db {
  readonly kind = "pglite" as const;
  // deno-lint-ignore no-explicit-any
  #db: any;

  private constructor(db: unknown) {
    this.#db = db;
  }

  static async open(dir: string, schema = "public"): Promise<PgliteDb> {
    const { PGlite } = await import("@electric-sql/pglite");
    if (dir !== "memory://") await Deno.mkdir(dir, { recursive: true });
    const db = new PGlite(dir);
    await db.waitReady;
    if (schema !== "public") {
      await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
    }
    return new PgliteDb(db);
  }

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    try {
      return (await this.#db.query(sql, params)).rows as T[];
    } catch (err) {
      throw dbError(err, "Query");
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.#db.exec(sql);
    } catch (err) {
      throw dbError(err, "Exec");
    }
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // deno-lint-ignore no-explicit-any
    return this.#db.transaction((tx: any) =>
      fn({
        query: async <R>(sql: string, params?: unknown[]) => {
          try {
            return (await tx.query(sql, params)).rows as R[];
          } catch (err) {
            throw dbError(err, "Query");
          }
        },
      })
    );
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
