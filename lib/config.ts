/**
 * Configuration from environment variables, validated once at start-up. A bad value stops the
 * process with a message naming the variable; see the README's configuration table.
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const optionalUrl = (protocols: string[]) =>
  z.string().trim().optional().transform((v) => (v === "" ? undefined : v)).refine(
    (v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)),
    { message: `must start with ${protocols.map((p) => `${p}://`).join(" or ")}` },
  );

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
  KAFKA_SESSION_TIMEOUT_MS: int(30_000, 6_000),
  DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be a lowercase SQL identifier")
    .default("public"),
  DATABASE_POOL_SIZE: int(5, 1),
  PGLITE_DIR: z.string().default(".data/pglite"),
  REDIS_URL: optionalUrl(["redis", "rediss"]),
  MONGODB_URL: optionalUrl(["mongodb", "mongodb+srv"]),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  TOPIC_PARTITIONS: int(3, 1),
  TOPIC_RETENTION_MS: int(7 * 24 * 3600 * 1000, 1),
  TEXT_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]+$/, "must be a valid topic name").default(
    "text-messages",
  ),
  TEXT_GROUP: z.string().min(1).default("text-writers"),
  WRITER_BATCH_SIZE: int(5000, 1),
  WRITER_FLUSH_MS: int(50, 1),
  MAILBOX_CAPACITY: int(20_000, 1),
  SUPERVISOR_MAX_RESTARTS: int(5, 0),
  SUPERVISOR_PERIOD_S: int(60, 1),
  SUPERVISOR_BACKOFF_MS: int(200, 1),
  SUPERVISOR_BACKOFF_MAX_MS: int(10_000, 1),
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
  AGG_NAME: z.string().regex(/^[a-z0-9_-]+$/, "must be lowercase letters, digits, - or _")
    .default("aggregator"),
  AGG_GROUP: z.string().min(1).default("aggregators"),
  AGG_BATCH_SIZE: int(2_000, 1),
  AGG_FLUSH_MS: int(200, 1),
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
  MONGODB_COLLECTION: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a collection name").default(
    "classified_posts",
  ),
});
export type Config = z.infer<typeof Config>;

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
      message: `${variable}=${JSON.stringify(env[variable] ?? "")} ${issue.message}`,
    });
  }
  throw new ConfigError(issues);
}
