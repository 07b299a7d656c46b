/**
 * Configuration from environment variables, validated once at start-up. A bad value stops the
 * process with a message naming the variable; see the README's configuration table.
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { parseApiKeys } from "./api_keys.ts";

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const optionalUrl = (protocols: string[]) =>
  z.string().trim().optional().transform((v) => (v === "" ? undefined : v)).refine(
    (v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)),
    { message: `must start with ${protocols.map((p) => `${p}://`).join(" or ")}` },
  );

/** A webhook secret: unset, or at least 16 characters. */
const secret = () =>
  z.string().optional().transform((v) => (v ? v : undefined)).refine(
    (v) => v === undefined || v.length >= 16,
    { message: "must be at least 16 characters" },
  );

/** A comma-separated list of origins (`https://host:port`); empty: none. */
const origins = () =>
  z.string().default("").transform((v) => v.split(",").map((x) => x.trim()).filter(Boolean))
    .refine((v) => v.every((o) => o === "*" || /^https?:\/\/[^/\s]+$/.test(o)), {
      message: "must be a comma-separated list of origins such as https://app.example.com, or *",
    });

function topicName(def: string) {
  return z.string().regex(/^[a-zA-Z0-9._-]+$/, "must be a valid topic name").default(def);
}

export const Config = z.object({
  KAFKA_BROKERS: z.string().trim().optional().transform((v) =>
    v ? v.split(",").map((b) => b.trim()).filter(Boolean) : undefined
  ).refine((v) => v === undefined || (v.length > 0 && v.every((b) => /^[^:\s]+:\d+$/.test(b))), {
    message: "must be a comma-separated list of host:port",
  }),
  KAFKA_CLIENT_ID: z.string().min(1).default("sluice"),
  // The broker's group.min.session.timeout.ms is 6000: a shorter session is refused.
  KAFKA_SESSION_TIMEOUT_MS: int(10_000, 6_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: int(1_000, 100),
  KAFKA_REBALANCE_TIMEOUT_MS: int(20_000, 1_000),
  KAFKA_RETRY_MAX_MS: int(2_000, 100),
  DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be a lowercase SQL identifier")
    .default("public"),
  DATABASE_POOL_SIZE: int(5, 1),
  PG_STATEMENT_TIMEOUT_MS: int(30_000, 0),
  PG_LOCK_TIMEOUT_MS: int(5_000, 0),
  PGLITE_DIR: z.string().default(".data/pglite"),
  REDIS_URL: optionalUrl(["redis", "rediss"]),
  MONGODB_URL: optionalUrl(["mongodb", "mongodb+srv"]),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  API_KEYS: z.string().default("").transform((v, ctx) => {
    try {
      return parseApiKeys(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  }),
  API_AUTH_READS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  CORS_ORIGINS: origins(),
  API_MAX_BODY_BYTES: int(8 * 1024 * 1024, 1_000),
  API_SEND_INTERVAL_MS: int(2, 0),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  TOPIC_PARTITIONS: int(3, 1),
  TOPIC_RETENTION_MS: int(7 * 24 * 3600 * 1000, 1),
  TEXT_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]+$/, "must be a valid topic name").default(
    "text-messages",
  ),
  TEXT_GROUP: z.string().min(1).default("text-writers"),
  WRITER_BATCH_SIZE: int(2500, 1),
  WRITER_FLUSH_MS: int(50, 1),
  WRITER_CONCURRENCY: int(2, 1),
  MAILBOX_CAPACITY: int(5_000, 1),
  MAILBOX_MAX_BYTES: int(2 * 1024 * 1024, 0),
  HEAP_TRIM_MIB: int(4, 0),
  KAFKA_FETCH_MAX_BYTES: int(1024 * 1024, 1024),
  KAFKA_FETCH_PARTITION_BYTES: int(256 * 1024, 1024),
  DLQ_MAX_VALUE_BYTES: int(64 * 1024, 1_024),
  SUPERVISOR_MAX_RESTARTS: int(5, 0),
  SUPERVISOR_PERIOD_S: int(60, 1),
  SUPERVISOR_BACKOFF_MS: int(200, 1),
  SUPERVISOR_BACKOFF_MAX_MS: int(3_000, 1),
  SHUTDOWN_TIMEOUT_MS: int(15_000, 1),
  WAIT_TIMEOUT_MS: int(10_000, 1),
  STARTUP_TIMEOUT_MS: int(5_000, 100),
  ORDER_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]+$/, "must be a valid topic name").default(
    "food-orders",
  ),
  ORDER_GROUP: z.string().min(1).default("order-processors"),
  ORDER_PARTITIONS: int(3, 1),
  ORDER_RETENTION_MS: int(7 * 24 * 3600 * 1000, 1),
  ORDER_RATE: z.coerce.number().positive().max(1_000_000).default(10),
  ORDER_COUNT: z.coerce.number().int().min(1).optional(),
  ORDER_RUN_ID: z.string().regex(
    /^[A-Za-z0-9._:-]{1,100}$/,
    "must be 1-100 letters, digits, . _ : -",
  )
    .default("default"),
  ORDER_BATCH_SIZE: int(1_000, 1),
  POSTS_RAW_TOPIC: topicName("posts-raw"),
  POSTS_CLASSIFIED_TOPIC: topicName("posts-classified"),
  FIREHOSE_URL: z.string().regex(/^wss?:\/\//, "must start with ws:// or wss://").default(
    "wss://jetstream2.us-east.bsky.network/subscribe",
  ),
  FIREHOSE_REPLAY_FILE: z.string().optional().transform((v) => (v ? v : undefined)),
  FIREHOSE_REPLAY_RATE: z.coerce.number().min(0).default(50),
  FIREHOSE_REPLAY_LOOP: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  FIREHOSE_NAME: z.string().min(1).default("jetstream"),
  FIREHOSE_REWIND_S: z.coerce.number().min(0).default(5),
  FIREHOSE_MAX_QUEUED: int(50_000, 1),
  FIREHOSE_IDLE_TIMEOUT_S: int(60, 1),
  FIREHOSE_BATCH_SIZE: int(500, 1),
  FIREHOSE_FLUSH_MS: int(250, 1),
  WRITER_SINKS: z.string().default("auto").transform((v) => v.split(",").map((x) => x.trim()))
    .refine((v) => v.every((x) => ["auto", "postgres", "mongodb"].includes(x)), {
      message: "must be auto or a comma-separated list of postgres, mongodb",
    }),
  CONSUMER_TYPE: z.enum(["kafka", "redis"]).default("kafka"),
  REDIS_INPUT: z.enum(["stream", "pubsub"]).default("stream"),
  REDIS_STREAM: z.string().min(1).default("posts-classified"),
  REDIS_CHANNEL: z.string().min(1).default("posts-classified"),
  REDIS_CLAIM_IDLE_MS: int(10_000, 100),
  REDIS_STREAM_MAXLEN: int(1_000_000, 1),
  POSTS_GROUP: z.string().min(1).default("post-writers"),
  CLASSIFIER_BACKEND: z.enum(["local", "ollama"]).default("local"),
  CLASSIFIER_GROUP: z.string().min(1).default("classifiers"),
  CLASSIFIER_REDIS_OUTPUTS: z.string().default("").transform((v) =>
    v.split(",").map((x) => x.trim()).filter(Boolean)
  ).refine((v) => v.every((x) => x === "stream" || x === "pubsub"), {
    message: "must be empty or a comma-separated list of stream, pubsub",
  }),
  OLLAMA_URL: z.string().regex(/^https?:\/\//, "must start with http:// or https://").default(
    "http://127.0.0.1:11434",
  ),
  OLLAMA_MODEL: z.string().min(1).default("granite3.3:2b"),
  OLLAMA_TIMEOUT_MS: int(10_000, 1),
  OLLAMA_CONCURRENCY: int(2, 1),
  // The finance sentiment role (issue 13).
  SENTIMENT_GROUP: z.string().min(1).default("sentiment"),
  SENTIMENT_BACKEND: z.enum(["local", "ollama"]).default("local"),
  SENTIMENT_BATCH_SIZE: int(500, 1),
  SENTIMENT_VIEWS_REFRESH_S: int(15, 0),
  ANALYTICS_DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  NEAR_DUP_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.95),
  NEAR_DUP_TTL: int(86_400, 1),
  NEAR_DUP_PREFIX: z.string().min(1).default("sluice:neardup"),
  NEAR_DUP_REWORDED: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  OLLAMA_BREAKER_FAILURES: int(3, 1),
  OLLAMA_BREAKER_COOLDOWN_MS: int(30_000, 1),
  OLLAMA_SLOW_MS: int(5_000, 1),
  AGGREGATION_TOPIC: topicName("aggregation_topic"),
  FINANCE_ALERT_TOPIC: topicName("alert_topic"),
  SENTIMENT_ALERT_WINDOW_S: int(300, 1),
  SENTIMENT_ALERT_THRESHOLD: z.coerce.number().gt(0).max(1).default(0.5),
  SENTIMENT_ALERT_MIN_SOURCES: int(2, 1),
  SENTIMENT_ALERT_MIN_EVENTS: int(3, 1),
  SENTIMENT_ALERT_COOLDOWN_S: int(900, 0),
  SYSTEM_ALERT_LAG: int(10_000, 1),
  SYSTEM_ALERT_ERROR_RATE: z.coerce.number().gt(0).max(1).default(0.05),
  // The log database (issue 13): every role's logs at or above LOG_DB_LEVEL, in the background.
  LOG_DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  LOG_DB_LEVEL: z.enum(["debug", "info", "warn", "error", "fatal"]).default("warn"),
  LOG_DB_RETENTION_DAYS: int(7, 1),
  LOG_DB_BUFFER: int(10_000, 1),
  AGG_NAME: z.string().regex(/^[a-z0-9_-]+$/, "must be lowercase letters, digits, - or _")
    .default("aggregator"),
  AGG_GROUP: z.string().min(1).default("aggregators"),
  AGG_BATCH_SIZE: int(2_000, 1),
  AGG_FLUSH_MS: int(200, 1),
  /** Partitions of TREND_KEYWORD_TOPIC: 0 reads posts-classified directly (one aggregator). */
  TREND_PARTITIONS: int(0, 0),
  TREND_KEYWORD_TOPIC: topicName("trend-keywords"),
  TREND_WINDOW_S: int(600, 1),
  TREND_SLIDE_S: int(60, 1),
  TREND_LATENESS_S: int(30, 0),
  TREND_MAX_SKEW_S: int(300, 0),
  TREND_BASELINE_WINDOWS: int(10, 1),
  TREND_MIN_COUNT: int(5, 1),
  TREND_MIN_AUTHORS: int(4, 1),
  TREND_Z: z.coerce.number().positive().default(4),
  TREND_ALPHA: z.coerce.number().positive().max(1).default(0.05),
  TREND_NEW_KEYWORD_RATE: z.coerce.number().positive().default(0.05),
  TREND_STD_FLOOR: z.coerce.number().positive().default(1),
  TREND_COOLDOWN_S: int(900, 0),
  TREND_BIGRAMS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  KEYWORD_MIN_LENGTH: int(3, 1),
  ALERT_TOPIC: topicName("trend-alerts"),
  LAKE_DIR: z.string().default(".data/lake"),
  TREND_CACHE_PREFIX: z.string().min(1).default("sluice:trends"),
  LAKE_RETENTION_HOURS: int(168, 1),
  /** Set: the lake is this S3 bucket (created if missing) instead of LAKE_DIR. */
  LAKE_S3_BUCKET: z.string().trim().optional().transform((v) => (v ? v : undefined)),
  LAKE_S3_PREFIX: z.string().regex(/^([^/].*\/)?$/, "must be empty or end with /").default(""),
  /** An S3-compatible endpoint (MinIO, S3Mock...); unset: AWS S3 of LAKE_S3_REGION. */
  LAKE_S3_ENDPOINT: optionalUrl(["http", "https"]),
  LAKE_S3_REGION: z.string().min(1).default("us-east-1"),
  /** Unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID..., ~/.aws, instance roles). */
  LAKE_S3_ACCESS_KEY_ID: z.string().optional().transform((v) => (v ? v : undefined)),
  LAKE_S3_SECRET_ACCESS_KEY: z.string().optional().transform((v) => (v ? v : undefined)),
  FINANCE_TOPIC: topicName("sentiment_analysis_topic"),
  FINANCE_PARTITIONS: int(3, 1),
  INGEST_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  INGEST_MAX_BODY_BYTES: int(1_000_000, 1_000),
  INGEST_MAX_EVENTS: int(500, 1),
  INGEST_SECRET_TRUEDATA: secret(),
  INGEST_SECRET_NEWS: secret(),
  INGEST_SECRET_TWITTER: secret(),
  INGEST_SECRET_REDDIT: secret(),
  INGEST_SECRET_ECONOMIC: secret(),
  INGEST_SIGNATURE_TOLERANCE_S: int(300, 1),
  INGEST_RATE_PER_SOURCE: int(2_000, 1),
  INGEST_RATE_PER_CLIENT: int(500, 1),
  INGEST_RATE_WINDOW_S: int(1, 1),
  INGEST_RATE_PREFIX: z.string().min(1).default("sluice:ratelimit"),
  INGEST_CORS_ORIGINS: origins(),
  INGEST_FLUSH_MAX: int(2_000, 1),
  INGEST_FLUSH_CONCURRENCY: int(4, 1),
  INGEST_FLUSH_INTERVAL_MS: int(2, 0),
  INGEST_PUBLISH_TIMEOUT_MS: int(10_000, 100),
  INGEST_RELAY_GRACE_MS: int(60_000, 0),
  INGEST_RELAY_INTERVAL_MS: int(1_000, 10),
  RAW_DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  RAW_RETENTION_DAYS: int(30, 1),
  RAW_PARTITIONS_AHEAD: int(3, 1),
  FEED_RATE: z.coerce.number().positive().max(1_000_000).default(5),
  FEED_COUNT: z.coerce.number().int().min(1).optional(),
  INGEST_URL: z.string().regex(/^https?:\/\//, "must start with http:// or https://").optional(),
  MONGODB_COLLECTION: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a collection name").default(
    "classified_posts",
  ),
});
export type Config = z.infer<typeof Config>;

/** Every consumer group of the pipelines with the topic it reads (for lag in `/metrics`, `/stats`). */
export function consumerGroups(c: Config): Array<{ group: string; topic: string }> {
  return [
    { group: c.TEXT_GROUP, topic: c.TEXT_TOPIC },
    { group: c.ORDER_GROUP, topic: c.ORDER_TOPIC },
    { group: c.CLASSIFIER_GROUP, topic: c.POSTS_RAW_TOPIC },
    { group: c.POSTS_GROUP, topic: c.POSTS_CLASSIFIED_TOPIC },
    ...(c.TREND_PARTITIONS
      ? [
        { group: `${c.AGG_GROUP}-router`, topic: c.POSTS_CLASSIFIED_TOPIC },
        { group: c.AGG_GROUP, topic: c.TREND_KEYWORD_TOPIC },
      ]
      : [{ group: c.AGG_GROUP, topic: c.POSTS_CLASSIFIED_TOPIC }]),
  ];
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Rules between variables: each names every variable it involves. */
function crossChecks(c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  if (c.TREND_WINDOW_S % c.TREND_SLIDE_S !== 0) {
    out.push({
      variable: "TREND_WINDOW_S",
      message:
        `TREND_WINDOW_S=${c.TREND_WINDOW_S} must be a multiple of TREND_SLIDE_S=${c.TREND_SLIDE_S}`,
    });
  }
  if (c.TREND_SLIDE_S > c.TREND_WINDOW_S) {
    out.push({
      variable: "TREND_SLIDE_S",
      message:
        `TREND_SLIDE_S=${c.TREND_SLIDE_S} must not exceed TREND_WINDOW_S=${c.TREND_WINDOW_S}`,
    });
  }
  if (c.WRITER_SINKS.includes("mongodb") && !c.MONGODB_URL) {
    out.push({
      variable: "MONGODB_URL",
      message: "MONGODB_URL must be set when WRITER_SINKS names mongodb",
    });
  }
  if (c.CONSUMER_TYPE === "redis" && !c.REDIS_URL) {
    out.push({ variable: "REDIS_URL", message: "REDIS_URL must be set when CONSUMER_TYPE=redis" });
  }
  if (c.CLASSIFIER_REDIS_OUTPUTS.length > 0 && !c.REDIS_URL) {
    out.push({
      variable: "REDIS_URL",
      message: "REDIS_URL must be set when CLASSIFIER_REDIS_OUTPUTS is not empty",
    });
  }
  if (c.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > c.KAFKA_SESSION_TIMEOUT_MS) {
    out.push({
      variable: "KAFKA_HEARTBEAT_INTERVAL_MS",
      message:
        `KAFKA_HEARTBEAT_INTERVAL_MS=${c.KAFKA_HEARTBEAT_INTERVAL_MS} must be at most a third ` +
        `of KAFKA_SESSION_TIMEOUT_MS=${c.KAFKA_SESSION_TIMEOUT_MS}`,
    });
  }
  if (c.KAFKA_REBALANCE_TIMEOUT_MS < c.KAFKA_SESSION_TIMEOUT_MS) {
    out.push({
      variable: "KAFKA_REBALANCE_TIMEOUT_MS",
      message: `KAFKA_REBALANCE_TIMEOUT_MS=${c.KAFKA_REBALANCE_TIMEOUT_MS} must not be below ` +
        `KAFKA_SESSION_TIMEOUT_MS=${c.KAFKA_SESSION_TIMEOUT_MS}`,
    });
  }
  if (c.SUPERVISOR_BACKOFF_MS > c.SUPERVISOR_BACKOFF_MAX_MS) {
    out.push({
      variable: "SUPERVISOR_BACKOFF_MS",
      message: `SUPERVISOR_BACKOFF_MS=${c.SUPERVISOR_BACKOFF_MS} must not exceed ` +
        `SUPERVISOR_BACKOFF_MAX_MS=${c.SUPERVISOR_BACKOFF_MAX_MS}`,
    });
  }
  return out;
}

/**
 * Parses `env` (default: the process environment) as a whole. Throws one ConfigError listing
 * every problem, each naming its variable, its value and the rule it breaks.
 */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const result = Config.safeParse(env);
  if (result.success) {
    const issues = crossChecks(result.data);
    if (issues.length === 0) return result.data;
    throw new ConfigError(issues);
  }
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const variable = String(issue.path[0] ?? "environment");
    if (seen.has(variable)) continue;
    seen.add(variable);
    issues.push({
      variable,
      // A secret's value is never printed, not even a wrong one.
      message: `${variable}=${
        /SECRET|API_KEYS/.test(variable) ? "(hidden)" : JSON.stringify(env[variable] ?? "")
      } ${issue.message}`,
    });
  }
  throw new ConfigError(issues);
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|_KEY$/;

/**
 * The effective configuration as `KEY=value` lines (the format of `.env.example`), with secrets
 * masked: a URL's password and any variable named like a secret become `***`. Unset optional
 * variables are printed empty.
 */
export function configLines(c: Config): string[] {
  return Object.keys(Config.shape).map((key) => {
    const value = c[key as keyof Config];
    // Key hashes are not secrets, but they are no one's business either: names and scopes.
    if (key === "API_KEYS") {
      return `${key}=${c.API_KEYS.map((k) => `${k.name}:${k.scopes.join(",")}:***`).join(";")}`;
    }
    const text = value === undefined ? "" : Array.isArray(value) ? value.join(",") : String(value);
    return `${key}=${maskSecret(key, text)}`;
  });
}

function maskSecret(key: string, value: string): string {
  if (value && SECRET_NAME.test(key)) return "***";
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}
