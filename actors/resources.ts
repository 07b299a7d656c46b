/**
 * The resources a process shares between its roles, opened lazily and closed once: the
 * transport (Kafka when KAFKA_BROKERS is set, else the in-memory broker), the database
 * (PostgreSQL when DATABASE_URL is set, else PGlite under PGLITE_DIR), the finance raw database
 * (RAW_DATABASE_URL, else the main one), one producer, one admin.
 */
import type { Config } from "../lib/config.ts";
import { rootLogger } from "../lib/log.ts";
import type { Logger } from "../lib/log.ts";
import { PgliteDb, PostgresDb } from "../db/mod.ts";
import type { Db, PostgresOptions } from "../db/mod.ts";
import { deadLetterDefaults, KafkaTransport, MemoryTransport } from "../transport/mod.ts";
import type { Admin, Producer, Transport } from "../transport/mod.ts";
import type { ChildState, Supervisor } from "../runtime/supervisor.ts";
import type { FirehoseStatus } from "./social/firehose.ts";

/** A PostgreSQL pool's options from the config: schema, size, statement and lock timeouts. */
export function postgresOptions(
  c: Config,
  url: string,
  poolSize = c.DATABASE_POOL_SIZE,
): PostgresOptions {
  return {
    url,
    schema: c.DATABASE_SCHEMA,
    poolSize,
    statementTimeoutMs: c.PG_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: c.PG_LOCK_TIMEOUT_MS,
  };
}

export class Runtime {
  readonly config: Config;
  readonly log: Logger;
  readonly transport: Transport;
  /** The process's root supervisor, once started (for health and stats). */
  root: Supervisor | null = null;
  /** The firehose reader of this process, if it runs one (for `/stats`). */
  firehose: FirehoseStatus | null = null;
  /** Where this process's ingest role listens, once it does (for the market feed in `all`). */
  ingestUrl: string | null = null;
  #db: Promise<Db> | null = null;
  #rawDb: Promise<Db> | null = null;
  #producer: Promise<Producer> | null = null;

  constructor(config: Config, options: { transport?: Transport; logger?: Logger } = {}) {
    this.config = config;
    this.log = options.logger ?? rootLogger;
    this.transport = options.transport ?? (config.KAFKA_BROKERS
      ? new KafkaTransport({
        brokers: config.KAFKA_BROKERS,
        clientId: config.KAFKA_CLIENT_ID,
        logger: this.log,
        group: {
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          heartbeatMs: config.KAFKA_HEARTBEAT_INTERVAL_MS,
          rebalanceTimeoutMs: config.KAFKA_REBALANCE_TIMEOUT_MS,
        },
        retryMaxMs: config.KAFKA_RETRY_MAX_MS,
      })
      : new MemoryTransport());
    // One bound per process, as the log level is: every role's dead-letter queue uses it.
    deadLetterDefaults.maxValueBytes = config.DLQ_MAX_VALUE_BYTES;
    if (this.transport instanceof MemoryTransport) {
      this.transport.broker.defaultPartitions = config.TOPIC_PARTITIONS;
    }
  }

  db(): Promise<Db> {
    this.#db ??= (async () => {
      const c = this.config;
      if (c.DATABASE_URL) {
        return new PostgresDb(postgresOptions(c, c.DATABASE_URL));
      }
      return await PgliteDb.open(c.PGLITE_DIR, c.DATABASE_SCHEMA);
    })();
    return this.#db;
  }

  /** The finance pipeline's raw store: RAW_DATABASE_URL when set, else the main database. */
  rawDb(): Promise<Db> {
    const c = this.config;
    if (!c.RAW_DATABASE_URL) return this.db();
    this.#rawDb ??= Promise.resolve(
      new PostgresDb(postgresOptions(c, c.RAW_DATABASE_URL)),
    );
    return this.#rawDb;
  }

  producer(): Promise<Producer> {
    this.#producer ??= this.transport.producer();
    this.#producer.catch(() => (this.#producer = null));
    return this.#producer;
  }

  admin(): Promise<Admin> {
    return this.transport.admin();
  }

  children(): ChildState[] {
    return this.root?.states() ?? [];
  }

  describe(): { transport: string; database: string } {
    return {
      transport: this.transport.kind,
      database: this.config.DATABASE_URL ? "postgres" : `pglite (${this.config.PGLITE_DIR})`,
    };
  }

  async close(): Promise<void> {
    const producer = this.#producer;
    const db = this.#db;
    const rawDb = this.#rawDb;
    this.#producer = null;
    this.#db = null;
    this.#rawDb = null;
    await Promise.allSettled([
      producer?.then((p) => p.close()),
      db?.then((d) => d.close()),
      rawDb?.then((d) => d.close()),
      this.transport.close(),
    ]);
  }
}
