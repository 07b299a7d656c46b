/**
 * The social-stream roles: `firehose` (Jetstream or a replay file → `posts-raw`), and, from the
 * same module, the classifier and writer roles as they land.
 */
import { startFirehose } from "../actors/firehose.ts";
import type { FirehoseStatus } from "../actors/firehose.ts";
import { JetstreamSource, ReplaySource } from "../actors/firehose_sources.ts";
import type { ChildSpec } from "../actors/supervisor.ts";
import { hostname } from "node:os";
import type { Actor } from "../actors/actor.ts";
import { DeadLetters } from "../actors/dead_letters.ts";
import { createPostWriter } from "../actors/post_writer.ts";
import type { DeadLetterFn } from "../actors/post_writer.ts";
import { Supervisor } from "../actors/supervisor.ts";
import { createClassifierActor } from "../actors/classifier.ts";
import { ConfigError, UpstreamError } from "../lib/errors.ts";
import { createClassifier, OllamaClassifier } from "../nlp/mod.ts";
import type { ClassifiedPost } from "../schemas/post.ts";
import { Redis } from "ioredis";
import { CursorStore, migrate, MongoPostSink, PostgresPostSink } from "../sinks/mod.ts";
import type { PostSink } from "../sinks/mod.ts";
import type { Envelope } from "../transport/mod.ts";
import {
  RedisDeadLetters,
  RedisPubSubConsumer,
  RedisStreamConsumer,
  xaddTrimmed,
} from "../transport/redis.ts";
import { actorChild, consumerChild } from "./children.ts";
import type { Runtime } from "./runtime.ts";
import { ensureTopic, supervisorOptions } from "./text_writer.ts";

/** The firehose reader of this process, if it runs one (for `/stats`). */
export let firehoseStatus: FirehoseStatus | null = null;

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
      firehoseStatus = handle.ref ?? null;
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

export function writerRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return {
    id: "writer",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      await migrate(await rt.db());
      const sinks = await openSinks(rt);
      const member = `${hostname()}-${Deno.pid}`;
      let deadLetter: DeadLetterFn;
      let closeDlq = () => Promise.resolve();
      if (c.CONSUMER_TYPE === "kafka") {
        await ensureTopic(rt, c.POSTS_CLASSIFIED_TOPIC);
        const dlq = new DeadLetters(await rt.producer(), ctx.logger);
        deadLetter = (items) => dlq.send(items);
      } else {
        if (!c.REDIS_URL) {
          throw new ConfigError([{
            variable: "REDIS_URL",
            message: "CONSUMER_TYPE=redis needs REDIS_URL",
          }]);
        }
        const dlq = new RedisDeadLetters(c.REDIS_URL, c.REDIS_STREAM);
        deadLetter = (items) =>
          dlq.send(items.map((i) => ({ message: i.env.message, reason: i.reason })));
        closeDlq = () => dlq.close();
      }
      const input: ChildSpec = c.CONSUMER_TYPE === "kafka"
        ? consumerChild("consumer", rt.transport, {
          groupId: c.POSTS_GROUP,
          topics: [c.POSTS_CLASSIFIED_TOPIC],
          targetId: "writer",
          sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
        })
        : {
          id: "consumer",
          start: async (cctx) => {
            const target = cctx.get<Actor<Envelope>>("writer");
            const consumer = c.REDIS_INPUT === "stream"
              ? new RedisStreamConsumer({
                url: c.REDIS_URL!,
                stream: c.REDIS_STREAM,
                group: c.POSTS_GROUP,
                consumer: member,
                target,
                logger: cctx.logger,
                claimIdleMs: c.REDIS_CLAIM_IDLE_MS,
              })
              : new RedisPubSubConsumer({
                url: c.REDIS_URL!,
                channel: c.REDIS_CHANNEL,
                target,
                logger: cctx.logger,
              });
            await consumer.start();
            return {
              done: consumer.done,
              stop: () => consumer.stop(),
              close: () => void consumer.close(),
              ref: consumer,
            };
          },
        };
      const sup = await new Supervisor([
        actorChild(
          "writer",
          (wctx) =>
            createPostWriter({
              sinks,
              deadLetter,
              logger: wctx.logger,
              capacity: c.MAILBOX_CAPACITY,
            }),
        ),
        input,
      ], { ...supervisorOptions(rt, "writer"), strategy: "rest_for_one" }).start();
      ctx.logger.info("post writer started", {
        input: c.CONSUMER_TYPE,
        sinks: sinks.map((s) => s.name),
      });
      const closeAll = async () => {
        await Promise.allSettled([...sinks.map((s) => s.close()), closeDlq()]);
      };
      return {
        done: sup.done,
        ref: sup,
        stop: async () => {
          await sup.stop();
          await closeAll();
        },
        close: (reason) => {
          sup.close(reason);
          void closeAll();
        },
      };
    },
  };
}

export function classifierRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return {
    id: "classifier",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      await ensureTopic(rt, c.POSTS_RAW_TOPIC);
      await ensureTopic(rt, c.POSTS_CLASSIFIED_TOPIC);
      const classifier = createClassifier({
        backend: c.CLASSIFIER_BACKEND,
        ollamaUrl: c.OLLAMA_URL,
        ollamaModel: c.OLLAMA_MODEL,
        ollamaTimeoutMs: c.OLLAMA_TIMEOUT_MS,
        ollamaConcurrency: c.OLLAMA_CONCURRENCY,
        logger: ctx.logger,
      });
      if (classifier instanceof OllamaClassifier) {
        const models = await classifier.ping().catch((err) => {
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
      const dlq = new DeadLetters(producer, ctx.logger);
      const outputs: Array<(posts: ClassifiedPost[]) => Promise<void>> = [];
      let redis: Redis | null = null;
      if (c.CLASSIFIER_REDIS_OUTPUTS.length > 0) {
        if (!c.REDIS_URL) {
          throw new ConfigError([{
            variable: "REDIS_URL",
            message: "CLASSIFIER_REDIS_OUTPUTS needs REDIS_URL",
          }]);
        }
        const r = redis = new Redis(c.REDIS_URL, { maxRetriesPerRequest: 3 });
        // Trimmed approximately so a stream no writer drains cannot grow without bound.
        const trim = { maxLen: c.REDIS_STREAM_MAXLEN };
        outputs.push(async (posts) => {
          const pipe = r.pipeline();
          for (const p of posts) {
            const data = JSON.stringify(p);
            if (c.CLASSIFIER_REDIS_OUTPUTS.includes("stream")) {
              xaddTrimmed(pipe, c.REDIS_STREAM, { data }, trim);
            }
            if (c.CLASSIFIER_REDIS_OUTPUTS.includes("pubsub")) pipe.publish(c.REDIS_CHANNEL, data);
          }
          const res = await pipe.exec();
          const failed = res?.find(([err]) => err);
          if (failed) {
            throw new UpstreamError("REDIS_OUTPUT_FAILED", "Publishing to Redis failed", {
              cause: failed[0],
            });
          }
        });
      }
      const sup = await new Supervisor([
        actorChild("classifier", (actx) =>
          createClassifierActor({
            classifier,
            producer,
            topic: c.POSTS_CLASSIFIED_TOPIC,
            deadLetter: (items) => dlq.send(items),
            extraOutputs: outputs,
            logger: actx.logger,
            capacity: c.MAILBOX_CAPACITY,
          })),
        consumerChild("consumer", rt.transport, {
          groupId: c.CLASSIFIER_GROUP,
          topics: [c.POSTS_RAW_TOPIC],
          targetId: "classifier",
          sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
        }),
      ], { ...supervisorOptions(rt, "classifier"), strategy: "rest_for_one" }).start();
      ctx.logger.info("classifier started", {
        backend: c.CLASSIFIER_BACKEND,
        model: classifier.model,
      });
      return {
        done: sup.done,
        ref: sup,
        stop: async () => {
          await sup.stop();
          await redis?.quit().catch(() => {});
        },
        close: (reason) => {
          sup.close(reason);
          redis?.disconnect();
        },
      };
    },
  };
}
