/**
 * Shared setup for integration tests: the real services' addresses, a fresh topic and schema
 * per test, polling with a deadline (never sleeping as synchronisation), and role processes.
 */
import { loadConfig } from "../../lib/config.ts";
import type { Config } from "../../lib/config.ts";
import { setLogLevel } from "../../lib/log.ts";
import { DEV_ENV } from "../../scripts/dev.ts";
import { PostgresDb } from "../../db/mod.ts";
import { MongoClient } from "mongodb";
import { Actor } from "../../runtime/actor.ts";
import { generateOrder, orderId } from "../../actors/orders/generator.ts";
import { compiledPermissions } from "../../scripts/compile.ts";
import { dlqTopic, KafkaTransport } from "../../transport/mod.ts";
import type { Envelope, InMessage } from "../../transport/mod.ts";
import { TEST_API_KEYS, TEST_API_TOKEN } from "./api_key.ts";

export { bearer, TEST_API_KEYS, TEST_API_TOKEN, TEST_TOKENS } from "./api_key.ts";

setLogLevel((Deno.env.get("TEST_LOG_LEVEL") as "error") ?? "error");

export const KAFKA_BROKERS = Deno.env.get("KAFKA_BROKERS") || "127.0.0.1:9092";
export const DATABASE_URL = Deno.env.get("DATABASE_URL") ||
  "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = Deno.env.get("REDIS_URL") || "redis://127.0.0.1:6379";
export const MONGODB_URL = Deno.env.get("MONGODB_URL") || "mongodb://127.0.0.1:27017";
/** The S3 API server (`services.sh start s3`: Adobe S3Mock, any credentials). */
export const S3_ENDPOINT = Deno.env.get("S3_ENDPOINT") || "http://127.0.0.1:9090";

/** A name no other test uses: `<prefix>-<time>-<random>` (or with `_` for SQL identifiers). */
export function uniqueName(prefix: string, sep = "-"): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return [prefix, Date.now().toString(36), rand].join(sep);
}

/**
 * Polls `cond` until it holds; fails with `what` after `timeoutMs`. A condition that throws (a
 * slow admin call, a connection not ready yet) counts as "not yet"; the last error is reported.
 */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? "" : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Everything one integration test needs, isolated by name. */
export interface Sandbox {
  topic: string;
  group: string;
  orderTopic: string;
  orderGroup: string;
  postsRaw: string;
  postsClassified: string;
  schema: string;
  env: Record<string, string>;
  config: Config;
  db: PostgresDb;
  kafka: KafkaTransport;
  dispose(): Promise<void>;
}

/** The settings `deno task dev` starts with (`scripts/dev.ts`), so tests run the same demo. */
export function devTaskEnv(): Record<string, string> {
  return { ...DEV_ENV };
}

export async function sandbox(extra: Record<string, string> = {}): Promise<Sandbox> {
  const topic = uniqueName("it-text");
  const orderTopic = uniqueName("it-orders");
  const postsRaw = uniqueName("it-posts-raw");
  const postsClassified = uniqueName("it-posts-classified");
  const schema = uniqueName("it", "_").replaceAll("-", "_");
  const env: Record<string, string> = {
    KAFKA_BROKERS,
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    TEXT_TOPIC: topic,
    TEXT_GROUP: `${topic}-writers`,
    TOPIC_PARTITIONS: "3",
    ORDER_TOPIC: orderTopic,
    ORDER_GROUP: `${orderTopic}-processors`,
    POSTS_RAW_TOPIC: postsRaw,
    POSTS_CLASSIFIED_TOPIC: postsClassified,
    POSTS_GROUP: `${postsClassified}-writers`,
    CLASSIFIER_GROUP: `${postsRaw}-classifiers`,
    AGG_GROUP: `${postsClassified}-aggregators`,
    TREND_CACHE_PREFIX: `${schema}:trends`,
    ALERT_TOPIC: `${postsClassified}-alerts`,
    TREND_KEYWORD_TOPIC: `${postsClassified}-keywords`,
    REDIS_URL,
    REDIS_STREAM: `${postsClassified}-stream`,
    REDIS_CHANNEL: `${postsClassified}-channel`,
    MONGODB_URL: `${MONGODB_URL}/${schema}`,
    MONGODB_COLLECTION: "classified_posts",
    LOG_LEVEL: Deno.env.get("TEST_LOG_LEVEL") ?? "warn",
    SUPERVISOR_BACKOFF_MS: "50",
    // A SIGKILLed member is noticed after this long; short keeps the tests quick.
    KAFKA_SESSION_TIMEOUT_MS: "8000",
    ...extra,
  };
  const db = new PostgresDb({ url: DATABASE_URL, schema });
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const kafka = new KafkaTransport({ brokers: KAFKA_BROKERS.split(",") });
  await (await kafka.admin()).ensureTopics([
    { topic, partitions: Number(env.TOPIC_PARTITIONS) },
    { topic: dlqTopic(topic), partitions: 1 },
    { topic: orderTopic, partitions: 3 },
    { topic: dlqTopic(orderTopic), partitions: 1 },
    { topic: postsRaw, partitions: 3 },
    { topic: dlqTopic(postsRaw), partitions: 1 },
    { topic: postsClassified, partitions: 3 },
    { topic: dlqTopic(postsClassified), partitions: 1 },
  ]);
  return {
    topic,
    group: env.TEXT_GROUP,
    orderTopic,
    orderGroup: env.ORDER_GROUP,
    postsRaw,
    postsClassified,
    schema,
    env,
    config: loadConfig(env),
    db,
    kafka,
    async dispose() {
      await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await dropMongoDatabase(env.MONGODB_URL);
      // Topics too: a broker holding thousands of test topics restarts slowly.
      const admin = await kafka.admin();
      await admin.deleteTopics(
        [topic, orderTopic, postsRaw, postsClassified, env.ALERT_TOPIC].flatMap((
          t,
        ) => [t, dlqTopic(t)]).concat(env.TREND_KEYWORD_TOPIC),
      ).catch(() => {});
      await db.close();
      await kafka.close();
    },
  };
}

/** The MongoDB wire server keeps everything in memory: each test drops its database. */
async function dropMongoDatabase(url: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2_000 });
  try {
    await client.connect();
    await client.db().dropDatabase();
  } catch {
    // No MongoDB (a test that does not use it, on a machine without the wire server).
  } finally {
    await client.close().catch(() => {});
  }
}

/** `n` valid text messages with fresh ids. */
export function textMessages(n: number, tag = "m"): Array<{ id: string; text: string }> {
  return Array.from({ length: n }, (_, i) => ({ id: crypto.randomUUID(), text: `${tag} ${i}` }));
}

/** Produces `items` as JSON to `topic`, each keyed by `key(item)`, in sends of `chunk`. */
export async function produceJson<T>(
  s: Pick<Sandbox, "kafka">,
  topic: string,
  items: T[],
  key: (item: T) => string,
  chunk = 5_000,
): Promise<void> {
  const producer = await s.kafka.producer();
  try {
    for (let i = 0; i < items.length; i += chunk) {
      await producer.send(
        topic,
        items.slice(i, i + chunk).map((x) => ({ key: key(x), value: JSON.stringify(x) })),
      );
    }
  } finally {
    await producer.close();
  }
}

/** Produces messages as JSON, keyed by id, in chunks. */
export function produceTexts(
  s: Sandbox,
  messages: Array<{ id: string; text: string }>,
  chunk = 5_000,
): Promise<void> {
  return produceJson(s, s.topic, messages, (m) => m.id, chunk);
}

/**
 * Produces `count` generated orders to the sandbox's order topic, keyed by customer, with ids of
 * a day of their own (1999-01-01), so they never meet an order producer's reserved ones.
 */
export async function produceOrders(s: Sandbox, count: number, chunk = 5_000): Promise<void> {
  const producer = await s.kafka.producer();
  const now = new Date();
  try {
    for (let i = 0; i < count; i += chunk) {
      const orders = Array.from(
        { length: Math.min(chunk, count - i) },
        (_, j) => generateOrder(orderId("19990101", i + j + 1), now),
      );
      await producer.send(
        s.orderTopic,
        orders.map((o) => ({ key: o.customer_id, value: JSON.stringify(o) })),
      );
    }
  } finally {
    await producer.close();
  }
}

export async function rowCount(s: Sandbox): Promise<{ total: number; distinct: number }> {
  const rows = await s.db.query<{ total: number; distinct: number }>(
    `SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct FROM text_messages`,
  ).catch(() => [{ total: 0, distinct: 0 }]);
  return rows[0];
}

/** Sum of a group's committed offsets over a topic's partitions (default: the text writers). */
export async function committedTotal(
  s: Sandbox,
  group = s.group,
  topic = s.topic,
): Promise<number> {
  const admin = await s.kafka.admin();
  const lag = await admin.lag(group, topic);
  return lag.reduce((n, p) => n + Number(p.committed ?? 0), 0);
}

/**
 * Reads a topic from the beginning (a throwaway group) until `n` messages arrived, or until
 * `enough(messages)` holds.
 */
export async function readTopic(
  s: Pick<Sandbox, "kafka">,
  topic: string,
  n: number | ((got: InMessage[]) => boolean),
): Promise<InMessage[]> {
  const enough = typeof n === "number" ? (got: InMessage[]) => got.length >= n : n;
  const got: InMessage[] = [];
  // A reader restarted by its client (a new topic's metadata not there yet) is handed the same
  // offsets again: each record counts once, as it is once on the topic.
  const seen = new Set<string>();
  const collector = new Actor<Envelope>({
    capacity: 10_000,
    batchSize: 1_000,
    handle: (batch) => {
      for (const e of batch) {
        const at = `${e.message.partition}:${e.message.offset}`;
        if (!seen.has(at)) got.push(e.message);
        seen.add(at);
        e.ack();
      }
      return Promise.resolve();
    },
  }).start();
  const c = s.kafka.consumer({ groupId: uniqueName("reader"), topics: [topic], target: collector });
  await c.start();
  try {
    await until(`enough messages on ${topic}`, () => enough(got), 60_000);
  } finally {
    await c.stop();
    await collector.stop();
  }
  return got;
}

/** The HTTP address a role process printed for `server` (the API, or the ingest role's). */
export async function listeningUrl(p: RoleProcess, server = "API"): Promise<string> {
  const re = new RegExp(`Sluice ${server} listening on (http:\\/\\/\\S+)`);
  await until(`the ${server} server to listen`, () => re.test(p.output), 60_000);
  return re.exec(p.output)![1];
}

/** What `deno task start` and the compiled binaries grant a role. */
const ROLE_PERMISSIONS = compiledPermissions("all");

/** A role running as its own `deno run main.ts <role>` process. */
export class RoleProcess {
  readonly child: Deno.ChildProcess;
  output = "";
  readonly exited: Promise<Deno.CommandStatus>;
  /** Its exit status once it has exited, else null. */
  status: Deno.CommandStatus | null = null;

  /**
   * `deno run main.ts <role>`, or with `args`, `deno <args...>` in the repository's folder; with
   * `wrap`, the command it makes of that (`MemoryCgroup.wrap`: run inside a cgroup).
   */
  constructor(
    role: string,
    env: Record<string, string>,
    permissions = ROLE_PERMISSIONS,
    args?: string[],
    wrap?: (argv: string[]) => { cmd: string; args: string[] },
  ) {
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const argv = [Deno.execPath(), ...(args ?? ["run", ...permissions, main, role])];
    const command = wrap ? wrap(argv) : { cmd: argv[0], args: argv.slice(1) };
    this.child = new Deno.Command(command.cmd, {
      args: command.args,
      cwd: new URL("../../", import.meta.url).pathname,
      // Every role process knows the suite's API keys, and its CLI children send the admin one.
      env: {
        API_KEYS: TEST_API_KEYS,
        SLUICE_API_KEY: TEST_API_TOKEN,
        ...env,
        PORT: env.PORT ?? "0",
        INGEST_PORT: env.INGEST_PORT ?? "0",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) this.output += chunk;
    };
    const drained = Promise.all([collect(this.child.stdout), collect(this.child.stderr)]);
    this.exited = this.child.status.then(async (st) => {
      this.status = st;
      await drained;
      return st;
    });
  }

  kill(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch {
      // already exited: nothing to signal
    }
  }

  /**
   * SIGTERM, and SIGKILL if it has not exited within `graceMs`: a graceful stop, which a
   * profiler (`--cpu-prof`) needs to write its profile.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.exited, new Promise((r) => timer = setTimeout(r, graceMs))]);
    clearTimeout(timer);
    await this.dispose();
  }

  /** SIGKILL if still running, and wait for the exit. */
  async dispose(): Promise<void> {
    this.kill("SIGKILL");
    await this.exited;
  }
}
