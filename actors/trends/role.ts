/**
 * Role `aggregator`: windows, trends, alerts, cache and data lake over `posts-classified`
 * (`aggregator.ts`, with `keywords.ts`, `windows.ts`, `detect.ts`, `merge.ts`, `store.ts`,
 * `cache.ts`, `lake.ts`). With `TREND_PARTITIONS=0` one aggregator reads `posts-classified`
 * directly. With `TREND_PARTITIONS=N` each aggregator process runs two group members: a router
 * (`router.ts`, group `<AGG_GROUP>-router` on `posts-classified`) that repartitions keywords
 * into `TREND_KEYWORD_TOPIC` (N partitions), and an aggregator (group `AGG_GROUP` on that topic)
 * that owns the partitions assigned to it; start more processes to share the work.
 */
import { migrate } from "../../db/mod.ts";
import { ConfigError } from "../../lib/errors.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { Supervisor } from "../../runtime/supervisor.ts";
import { ensureTopic, pipelineRole, supervisorOptions } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { createAggregator } from "./aggregator.ts";
import { trendCache } from "./cache.ts";
import { openLake } from "./lake_s3.ts";
import { createRouter } from "./router.ts";
import { TrendStore } from "./store.ts";

/** The router's consumer group: derived, so each aggregator group has its own. */
export const routerGroup = (aggGroup: string) => `${aggGroup}-router`;

export function aggregatorRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  if (c.TREND_PARTITIONS === 0) return aggregatorPipeline(rt, "aggregator");
  const children = [routerPipeline(rt), aggregatorPipeline(rt, "keyword-aggregator")];
  return {
    id: "aggregator",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async () => {
      const sup = await new Supervisor(children, {
        ...supervisorOptions(rt, "aggregator"),
        strategy: "one_for_one",
      }).start();
      return {
        done: sup.done,
        ref: sup,
        stop: () => sup.stop(),
        close: (reason?: Error) => sup.close(reason),
      };
    },
  };
}

/** The posts' partition count (the watermark waits for each) and the broker's incarnation. */
async function source(rt: Runtime, group: string) {
  const c = rt.config;
  await ensureTopic(rt, c.POSTS_CLASSIFIED_TOPIC);
  const admin = await rt.admin();
  const partitions = (await admin.lag(group, c.POSTS_CLASSIFIED_TOPIC)).length;
  return { admin, partitions };
}

/** `trend-keywords` with TREND_PARTITIONS partitions (an existing topic must have as many). */
async function keywordTopic(rt: Runtime): Promise<void> {
  const c = rt.config;
  const admin = await rt.admin();
  await admin.ensureTopics([{
    topic: c.TREND_KEYWORD_TOPIC,
    partitions: c.TREND_PARTITIONS,
    retentionMs: c.TOPIC_RETENTION_MS,
  }]);
  const n = (await admin.lag(c.AGG_GROUP, c.TREND_KEYWORD_TOPIC)).length;
  if (n !== c.TREND_PARTITIONS) {
    throw new ConfigError([{
      variable: "TREND_PARTITIONS",
      message:
        `TREND_PARTITIONS=${c.TREND_PARTITIONS} but topic ${c.TREND_KEYWORD_TOPIC} has ${n} partitions`,
    }]);
  }
}

function routerPipeline(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "trend-router",
    setup: async () => {
      const group = routerGroup(c.AGG_GROUP);
      const { partitions } = await source(rt, group);
      await keywordTopic(rt);
      const producer = await rt.producer();
      return {
        workerId: "router",
        worker: () =>
          createRouter({
            producer,
            topic: c.TREND_KEYWORD_TOPIC,
            partitions: c.TREND_PARTITIONS,
            sourcePartitions: partitions,
            keywordOptions: { minLength: c.KEYWORD_MIN_LENGTH, bigrams: c.TREND_BIGRAMS },
            batchSize: c.AGG_BATCH_SIZE,
            flushMs: c.AGG_FLUSH_MS,
          }),
        input: { groupId: group, topics: [c.POSTS_CLASSIFIED_TOPIC] },
        started: { msg: "trend router started", fields: { partitions: c.TREND_PARTITIONS } },
      };
    },
  });
}

function aggregatorPipeline(rt: Runtime, id: string): ChildSpec {
  const c = rt.config;
  const routed = c.TREND_PARTITIONS > 0;
  return pipelineRole(rt, {
    id,
    setup: async () => {
      const db = await rt.db();
      await migrate(db);
      await ensureTopic(rt, c.ALERT_TOPIC);
      const { admin, partitions } = await source(rt, c.AGG_GROUP);
      if (routed) await keywordTopic(rt);
      const incarnation = await admin.incarnation();
      const producer = await rt.producer();
      const { cache, close } = trendCache(rt);
      const store = new TrendStore(db);
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
            lake: (name) => openLake(c, name),
            incarnation,
            logger: actx.logger,
            keywordPartitions: c.TREND_PARTITIONS,
            batchSize: c.AGG_BATCH_SIZE,
            flushMs: c.AGG_FLUSH_MS,
          }),
        input: {
          groupId: c.AGG_GROUP,
          topics: [routed ? c.TREND_KEYWORD_TOPIC : c.POSTS_CLASSIFIED_TOPIC],
        },
        release: close,
        started: { msg: "aggregator started", fields: { partitions, routed } },
      };
    },
  });
}
