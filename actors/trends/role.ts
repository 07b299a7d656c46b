/**
 * Role `aggregator`: windows, trends, alerts, cache and data lake over `posts-classified`
 * (`aggregator.ts`, with `keywords.ts`, `windows.ts`, `detect.ts`, `store.ts`, `cache.ts`,
 * `lake.ts`).
 */
import { migrate } from "../../db/mod.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { ensureTopic, pipelineRole } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { createAggregator } from "./aggregator.ts";
import { openTrendCache } from "./cache.ts";
import type { TrendCache } from "./cache.ts";
import { openLake } from "./lake_s3.ts";
import { TrendStore } from "./store.ts";

/** The trend cache of this process: Redis when REDIS_URL is set, else memory. */
export function trendCache(rt: Runtime): { cache: TrendCache; close: () => Promise<void> } {
  return openTrendCache(rt.config.REDIS_URL, rt.config.TREND_CACHE_PREFIX);
}

export function aggregatorRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "aggregator",
    setup: async () => {
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
      const lake = await openLake(c, c.AGG_NAME);
      return {
        workerId: "aggregator",
        worker: (actx) =>
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
              alpha: c.TREND_ALPHA,
              newKeywordRate: c.TREND_NEW_KEYWORD_RATE,
              cooldownMs: c.TREND_COOLDOWN_S * 1000,
            },
            keywordOptions: { minLength: c.KEYWORD_MIN_LENGTH, bigrams: c.TREND_BIGRAMS },
            producer,
            alertTopic: c.ALERT_TOPIC,
            cache,
            lake,
            incarnation,
            logger: actx.logger,
            batchSize: c.AGG_BATCH_SIZE,
            flushMs: c.AGG_FLUSH_MS,
          }),
        input: { groupId: c.AGG_GROUP, topics: [c.POSTS_CLASSIFIED_TOPIC] },
        release: close,
        started: { msg: "aggregator started", fields: { partitions } },
      };
    },
  });
}
