/**
 * Role `sentiment`: the `sentiment` group on `sentiment_analysis_topic` → near-duplicate check
 * (Redis) → classification (local, or Ollama behind a circuit breaker) → `sentiment_results` in
 * the analytics database (ANALYTICS_DATABASE_URL, else the process's database), with the
 * materialized views refreshed every SENTIMENT_VIEWS_REFRESH_S seconds.
 */
import { migrate } from "../../db/mod.ts";
import type { Logger } from "../../lib/log.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { TopicDeadLetters } from "../../transport/mod.ts";
import { ensureTopic, pipelineRole } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { configuredOllama } from "../nlp/mod.ts";
import { AnalyticsStore } from "./analytics_store.ts";
import { FinanceAnalyzer } from "./analyze.ts";
import { NearDupIndex } from "./near_dup.ts";
import { createSentimentWorker } from "./sentiment_worker.ts";
import { AlertStore } from "./alert_store.ts";
import { sentimentOutputs } from "./sentiment_outputs.ts";
import { startSystemAlerts } from "./system_alerts.ts";
import { analyticsDb } from "./analytics_db.ts";

/** The analyzer the config describes: local, with Ollama behind a breaker for `?backend=ollama`. */
export function financeAnalyzer(rt: Runtime, logger: Logger): FinanceAnalyzer {
  const c = rt.config;
  return new FinanceAnalyzer({
    ollama: configuredOllama(c, logger).classifier,
    defaultBackend: c.SENTIMENT_BACKEND,
  });
}

export function sentimentRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return pipelineRole(rt, {
    id: "sentiment",
    setup: async (ctx) => {
      const { db, own } = await analyticsDb(rt);
      await migrate(db);
      await ensureTopic(rt, c.FINANCE_TOPIC, c.FINANCE_PARTITIONS);
      await ensureTopic(rt, c.AGGREGATION_TOPIC);
      await ensureTopic(rt, c.FINANCE_ALERT_TOPIC);
      const store = new AnalyticsStore(db);
      const analyzer = financeAnalyzer(rt, ctx.logger);
      const nearDup = c.REDIS_URL
        ? new NearDupIndex({
          url: c.REDIS_URL,
          prefix: c.NEAR_DUP_PREFIX,
          threshold: c.NEAR_DUP_THRESHOLD,
          ttlS: c.NEAR_DUP_TTL,
          reworded: c.NEAR_DUP_REWORDED,
        })
        : null;
      if (!nearDup) ctx.logger.warn("REDIS_URL not set: events are stored unchecked");
      const producer = await rt.producer();
      const deadLetters = new TopicDeadLetters(producer, ctx.logger);
      const outputs = sentimentOutputs({
        alerts: new AlertStore(db),
        producer,
        aggregationTopic: c.AGGREGATION_TOPIC,
        alertTopic: c.FINANCE_ALERT_TOPIC,
        rule: {
          windowS: c.SENTIMENT_ALERT_WINDOW_S,
          threshold: c.SENTIMENT_ALERT_THRESHOLD,
          minSources: c.SENTIMENT_ALERT_MIN_SOURCES,
          minEvents: c.SENTIMENT_ALERT_MIN_EVENTS,
          cooldownS: c.SENTIMENT_ALERT_COOLDOWN_S,
        },
        logger: ctx.logger,
      });
      const system = startSystemAlerts({
        admin: await rt.admin(),
        producer,
        topic: c.FINANCE_ALERT_TOPIC,
        group: c.SENTIMENT_GROUP,
        sourceTopic: c.FINANCE_TOPIC,
        maxLag: c.SYSTEM_ALERT_LAG,
        maxErrorRate: c.SYSTEM_ALERT_ERROR_RATE,
        cooldownMs: c.SENTIMENT_ALERT_COOLDOWN_S * 1000,
        modelDown: () => c.SENTIMENT_BACKEND === "ollama" && analyzer.modelDown(),
        logger: ctx.logger,
      });
      const refresh = c.SENTIMENT_VIEWS_REFRESH_S > 0
        ? setInterval(() => {
          store.refreshViews().catch((err) =>
            ctx.logger.warn("materialized views not refreshed", { err })
          );
        }, c.SENTIMENT_VIEWS_REFRESH_S * 1000)
        : undefined;
      const release = async () => {
        clearInterval(refresh);
        await outputs.stop();
        system.stop();
        await Promise.allSettled([
          nearDup?.close(),
          analyzer.close(),
          own ? db.close() : Promise.resolve(),
        ]);
      };
      return {
        workerId: "sentiment",
        worker: (wctx) =>
          createSentimentWorker({
            analyzer,
            store,
            nearDup,
            deadLetters,
            onStored: outputs.onStored,
            logger: wctx.logger,
            batchSize: c.SENTIMENT_BATCH_SIZE,
            capacity: c.MAILBOX_CAPACITY,
          }),
        input: { groupId: c.SENTIMENT_GROUP, topics: [c.FINANCE_TOPIC], pipelined: true },
        release,
        started: {
          msg: "sentiment worker started",
          fields: {
            backend: c.SENTIMENT_BACKEND,
            nearDup: nearDup ? { threshold: nearDup.threshold, ...nearDup.banding } : null,
          },
        },
      };
    },
  });
}
