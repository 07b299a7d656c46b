/**
 * The social-stream roles: `firehose` (Jetstream or a replay file → `posts-raw`: `firehose.ts`,
 * `jetstream.ts`, `firehose_sources.ts`, cursor in `cursor_store.ts`), `classifier` (`posts-raw`
 * → `posts-classified`: `classifier.ts`, backends in `nlp/`) and `writer` (`posts-classified`
 * from Kafka or Redis → PostgreSQL and MongoDB: `post_writer.ts`, `post_store.ts`).
 */
import { hostname } from "node:os";
import { migrate } from "../../db/mod.ts";
import { ConfigError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import type { ClassifiedPost } from "../../schemas/social.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { TopicDeadLetters } from "../../transport/mod.ts";
import type { DeadLetterQueue } from "../../transport/mod.ts";
import {
  RedisDeadLetters,
  RedisOutput,
  RedisPubSubConsumer,
  RedisStreamConsumer,
} from "../../transport/redis/mod.ts";
import { ensureTopic, pipelineRole } from "../_role.ts";
import type { Pipeline } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { createClassifierActor } from "./classifier.ts";
import { CursorStore } from "./cursor_store.ts";
import { startFirehose } from "./firehose.ts";
import { JetstreamSource, ReplaySource } from "./firehose_sources.ts";
import { configuredOllama, createClassifier } from "../nlp/mod.ts";
import { MongoPostSink, PostgresPostSink } from "./post_store.ts";
import type { PostSink } from "./post_store.ts";
import { createPostWriter } from "./post_writer.ts";

export function firehoseRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return {
    id: "firehose",
    // A finite replay ends normally and is not restarted; a live connection always is.
    restart: c.FIREHOSE_REPLAY_FILE && !c.FIREHOSE_REPLAY_LOOP ? "transient" : "permanent",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      const db = await rt.db();
      await migrate(db);
      await ensureTopic(rt, c.POSTS_RAW_TOPIC);
      const source = c.FIREHOSE_REPLAY_FILE
        ? new ReplaySource(c.FIREHOSE_REPLAY_FILE, {
          rate: c.FIREHOSE_REPLAY_RATE,
          loop: c.FIREHOSE_REPLAY_LOOP,
        })
        : new JetstreamSource(c.FIREHOSE_URL, {
          maxQueued: c.FIREHOSE_MAX_QUEUED,
          idleTimeoutMs: c.FIREHOSE_IDLE_TIMEOUT_S * 1000,
        });
      const handle = startFirehose({
        source,
        producer: await rt.producer(),
        topic: c.POSTS_RAW_TOPIC,
        cursors: new CursorStore(db),
        name: c.FIREHOSE_NAME,
        rewindUs: Math.round(c.FIREHOSE_REWIND_S * 1e6),
        batchSize: c.FIREHOSE_BATCH_SIZE,
        flushMs: c.FIREHOSE_FLUSH_MS,
        logger: ctx.logger,
      });
      // For `/stats` of this process.
      rt.firehose = handle.ref ?? null;
      return handle;
    },
  };
}

/** The sinks WRITER_SINKS names (`auto`: PostgreSQL, plus MongoDB when MONGODB_URL is set). */
async function openSinks(rt: Runtime): Promise<PostSink[]> {
  const c = rt.config;
  const names = new Set(
    c.WRITER_SINKS.flatMap((s) =>
      s === "auto" ? ["postgres", ...(c.MONGODB_URL ? ["mongodb"] : [])] : [s]
    ),
  );
  const sinks: PostSink[] = [];
  if (names.has("postgres")) sinks.push(new PostgresPostSink(await rt.db()));
  if (names.has("mongodb")) {
    if (!c.MONGODB_URL) {
      throw new ConfigError([{
        variable: "MONGODB_URL",
        message: "WRITER_SINKS names mongodb but MONGODB_URL is not set",
      }]);
    }
    sinks.push(await MongoPostSink.open(c.MONGODB_URL, c.MONGODB_COLLECTION));
  }
  return sinks;
}

/** The writer's input and its dead letters: a Kafka group, or a Redis stream or channel. */
async function writerInput(
  rt: Runtime,
  logger: Logger,
): Promise<{ input: Pipeline["input"]; deadLetters: DeadLetterQueue }> {
  const c = rt.config;
  if (c.CONSUMER_TYPE === "kafka") {
    await ensureTopic(rt, c.POSTS_CLASSIFIED_TOPIC);
    return {
      input: { groupId: c.POSTS_GROUP, topics: [c.POSTS_CLASSIFIED_TOPIC], pipelined: true },
      deadLetters: new TopicDeadLetters(await rt.producer(), logger),
    };
  }
  const url = c.REDIS_URL;
  if (!url) {
    throw new ConfigError([{
      variable: "REDIS_URL",
      message: "CONSUMER_TYPE=redis needs REDIS_URL",
    }]);
  }
  const member = `${hostname()}-${Deno.pid}`;
  return {
    input: (target, ctx) =>
      c.REDIS_INPUT === "stream"
        ? new RedisStreamConsumer({
          url,
          stream: c.REDIS_STREAM,
          group: c.POSTS_GROUP,
          consumer: member,
          target,
          logger: ctx.logger,
          claimIdleMs: c.REDIS_CLAIM_IDLE_MS,
        })
        : new RedisPubSubConsumer({ url, channel: c.REDIS_CHANNEL, target, logger: ctx.logger }),
    deadLetters: new RedisDeadLetters(url, c.REDIS_STREAM),
  };
}

export function writerRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "writer",
    setup: async (ctx) => {
      await migrate(await rt.db());
      const sinks = await openSinks(rt);
      const { input, deadLetters } = await writerInput(rt, ctx.logger);
      return {
        workerId: "writer",
        worker: (wctx) =>
          createPostWriter({
            sinks,
            deadLetters,
            logger: wctx.logger,
            capacity: c.MAILBOX_CAPACITY,
          }),
        input,
        release: async () => {
          await Promise.allSettled([...sinks.map((s) => s.close()), deadLetters.close()]);
        },
        started: {
          msg: "post writer started",
          fields: { input: c.CONSUMER_TYPE, sinks: sinks.map((s) => s.name) },
        },
      };
    },
  });
}

/** The classifier's optional Redis output (CLASSIFIER_REDIS_OUTPUTS), for Redis writers. */
function classifierRedisOutput(rt: Runtime): RedisOutput | null {
  const c = rt.config;
  const outputs = c.CLASSIFIER_REDIS_OUTPUTS;
  if (outputs.length === 0) return null;
  if (!c.REDIS_URL) {
    throw new ConfigError([{
      variable: "REDIS_URL",
      message: "CLASSIFIER_REDIS_OUTPUTS needs REDIS_URL",
    }]);
  }
  return new RedisOutput(c.REDIS_URL, {
    stream: outputs.includes("stream") ? c.REDIS_STREAM : undefined,
    channel: outputs.includes("pubsub") ? c.REDIS_CHANNEL : undefined,
    maxLen: c.REDIS_STREAM_MAXLEN,
  });
}

export function classifierRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "classifier",
    setup: async (ctx) => {
      await ensureTopic(rt, c.POSTS_RAW_TOPIC);
      await ensureTopic(rt, c.POSTS_CLASSIFIED_TOPIC);
      const ollama = c.CLASSIFIER_BACKEND === "ollama" ? configuredOllama(c, ctx.logger) : null;
      const classifier = ollama?.classifier ?? createClassifier({ backend: "local" });
      if (ollama) {
        const models = await ollama.client.ping().catch((err) => {
          ctx.logger.warn("Ollama does not answer; posts fall back to local", { err });
          return null;
        });
        if (models && !models.includes(c.OLLAMA_MODEL)) {
          ctx.logger.warn("Ollama lacks the model; pull it with `ollama pull`", {
            model: c.OLLAMA_MODEL,
            available: models,
          });
        }
      }
      const producer = await rt.producer();
      const deadLetters = new TopicDeadLetters(producer, ctx.logger);
      const redis = classifierRedisOutput(rt);
      const extraOutputs = redis
        ? [(posts: ClassifiedPost[]) => redis.publish(posts.map((p) => JSON.stringify(p)))]
        : [];
      return {
        workerId: "classifier",
        worker: (actx) =>
          createClassifierActor({
            classifier,
            producer,
            topic: c.POSTS_CLASSIFIED_TOPIC,
            deadLetters,
            extraOutputs,
            logger: actx.logger,
            capacity: c.MAILBOX_CAPACITY,
          }),
        input: { groupId: c.CLASSIFIER_GROUP, topics: [c.POSTS_RAW_TOPIC] },
        release: async () => await redis?.stop(),
        abandon: () => redis?.close(),
        started: {
          msg: "classifier started",
          fields: { backend: c.CLASSIFIER_BACKEND, model: classifier.model },
        },
      };
    },
  });
}
