/** Role `aggregator`: windows, trends, alerts, cache and data lake over `posts-classified`. */
import { Redis } from "ioredis";
import { createAggregator } from "../actors/aggregator.ts";
import { Supervisor } from "../actors/supervisor.ts";
import type { ChildSpec } from "../actors/supervisor.ts";
import { DataLake, migrate, processTrendCache, RedisTrendCache, TrendStore } from "../sinks/mod.ts";
import type { TrendCache } from "../sinks/mod.ts";
import { actorChild, consumerChild } from "./children.ts";
import type { Runtime } from "./runtime.ts";
import { ensureTopic, supervisorOptions } from "./text_writer.ts";

/** The trend cache of this process: Redis when REDIS_URL is set, else memory. */
export function trendCache(rt: Runtime): { cache: TrendCache; close: () => Promise<void> } {
  if (!rt.config.REDIS_URL) return { cache: processTrendCache, close: () => Promise.resolve() };
  const redis = new Redis(rt.config.REDIS_URL, { maxRetriesPerRequest: 2 });
  return {
    cache: new RedisTrendCache(redis, rt.config.TREND_CACHE_PREFIX),
    close: () => redis.quit().then(() => {}),
  };
}

export function aggregatorRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return {
    id: "aggregator",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      const db = await rt.db();
      await migrate(db);
      await ensureTopic(rt, c.POSTS_CLASSIFIED_TOPIC);
      await ensureTopic(rt, c.ALERT_TOPIC);
      const admin = await rt.admin();
      const partitions = (await admin.lag(c.AGG_GROUP, c.POSTS_CLASSIFIED_TOPIC)).length;
      const incarnation = await admin.incarnation();
      const producer = await rt.producer();
      const { cache, close } = trendCache(rt);
      const store = new TrendStore(db);
      const sup = await new Supervisor([
        actorChild("aggregator", (actx) =>
          createAggregator({
            name: c.AGG_NAME,
            store,
            windows: {
              sizeMs: c.TREND_WINDOW_S * 1000,
              slideMs: c.TREND_SLIDE_S * 1000,
              latenessMs: c.TREND_LATENESS_S * 1000,
              maxSkewMs: c.TREND_MAX_SKEW_S * 1000,
              partitions,
            },
            detect: {
              baselineWindows: c.TREND_BASELINE_WINDOWS,
              minCount: c.TREND_MIN_COUNT,
              minAuthors: c.TREND_MIN_AUTHORS,
              zThreshold: c.TREND_Z,
              stdFloor: c.TREND_STD_FLOOR,
              cooldownMs: c.TREND_COOLDOWN_S * 1000,
            },
            keywordOptions: { minLength: c.KEYWORD_MIN_LENGTH, bigrams: c.TREND_BIGRAMS },
            producer,
            alertTopic: c.ALERT_TOPIC,
            cache,
            lake: new DataLake(c.LAKE_DIR, c.AGG_NAME, c.LAKE_RETENTION_HOURS),
            incarnation,
            logger: actx.logger,
            batchSize: c.AGG_BATCH_SIZE,
            flushMs: c.AGG_FLUSH_MS,
          })),
        consumerChild("consumer", rt.transport, {
          groupId: c.AGG_GROUP,
          topics: [c.POSTS_CLASSIFIED_TOPIC],
          targetId: "aggregator",
          sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
        }),
      ], { ...supervisorOptions(rt, "aggregator"), strategy: "rest_for_one" }).start();
      ctx.logger.info("aggregator started", { partitions });
      return {
        done: sup.done,
        ref: sup,
        stop: async () => {
          await sup.stop();
          await close();
        },
        close: (reason) => {
          sup.close(reason);
          void close();
        },
      };
    },
  };
}
