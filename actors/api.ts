/** Role `api`: the Hono HTTP API served with Deno.serve. */
import type { ChildSpec } from "../runtime/supervisor.ts";
import { consumerGroups } from "../lib/config.ts";
import { createApp } from "../routes/mod.ts";
import { apiAuth } from "../routes/_auth.ts";
import { LogReader, migrate, PostgresDb } from "../db/mod.ts";
import { postgresOptions } from "./resources.ts";
import type { Runtime } from "./resources.ts";
import { serveOrExplain } from "./_role.ts";
import { OrderStore } from "./orders/store.ts";
import { TextMessageStore } from "./text/store.ts";
import { trendCache } from "./trends/cache.ts";
import { TrendStore } from "./trends/store.ts";
import { RawEventStore } from "./finance/raw_store.ts";
import { BatchingProducer } from "../transport/mod.ts";
import type { Admin, Producer } from "../transport/mod.ts";
import { AnalyticsStore } from "./finance/analytics_store.ts";
import { AlertStore } from "./finance/alert_store.ts";
import { analyticsDb } from "./finance/analytics_db.ts";
import type { FinanceAnalyzer } from "./finance/analyze.ts";
import type { Logger } from "../lib/log.ts";

export function apiRole(rt: Runtime, onListen?: (url: string) => void): ChildSpec {
  const c = rt.config;
  return {
    id: "api",
    start: async (ctx) => {
      // The API serves even while the broker or the database is down: `/ready` says which.
      const db = await rt.db();
      await migrate(db).catch((err) =>
        ctx.logger.warn("migrations not applied yet; the writer applies them", { err })
      );
      const cache = trendCache(rt);
      const rawEvents = new RawEventStore(
        await rt.rawDb(),
        c.RAW_RETENTION_DAYS,
        c.RAW_PARTITIONS_AHEAD,
      );
      await rawEvents.ensureSchema().catch((err) =>
        ctx.logger.warn("raw event store not ready yet; the ingest role creates it", { err })
      );
      if (c.API_KEYS.length === 0) {
        // Not fatal: reads work and first runs start; writes answer 401 saying what to set.
        ctx.logger.warn("no API key configured: write routes answer 401 until API_KEYS is set", {
          hint: "deno task cli key create <name> --scopes write",
        });
      }
      const analytics = await analyticsDb(rt);
      const analyzer = lazyAnalyzer(rt, ctx.logger);
      const logDb = c.LOG_DATABASE_URL
        ? new PostgresDb(postgresOptions(c, c.LOG_DATABASE_URL, 2))
        : null;
      const app = createApp({
        maxBodyBytes: c.API_MAX_BODY_BYTES,
        texts: new TextMessageStore(db),
        db,
        // Concurrent POST /messages share broker sends, each answered after its own ack.
        producer: new BatchingProducer(lazyProducer(rt), { intervalMs: c.API_SEND_INTERVAL_MS }),
        admin: lazyAdmin(rt),
        children: () => rt.children(),
        restarts: () => rt.root?.totalRestarts() ?? 0,
        textTopic: c.TEXT_TOPIC,
        textGroup: c.TEXT_GROUP,
        orders: new OrderStore(db),
        firehose: () => rt.firehose,
        trends: new TrendStore(db),
        trendCache: cache.cache,
        rawEvents,
        orderTopic: c.ORDER_TOPIC,
        orderGroup: c.ORDER_GROUP,
        consumerGroups: consumerGroups(c),
        waitTimeoutMs: c.WAIT_TIMEOUT_MS,
        runtime: rt.describe(),
        finance: {
          store: new AnalyticsStore(analytics.db),
          alerts: new AlertStore(analytics.db),
          analyzer,
        },
        logs: logDb ? new LogReader(logDb) : undefined,
        auth: apiAuth(c),
      });
      const server = serveOrExplain(c.HOST, c.PORT, () =>
        Deno.serve({
          port: c.PORT,
          hostname: c.HOST,
          onListen: ({ hostname, port }) => {
            const url = `http://${hostname}:${port}`;
            ctx.logger.info("api listening", { url });
            onListen?.(url);
          },
        }, app.fetch));
      return {
        done: server.finished,
        stop: async () => {
          await server.shutdown();
          await cache.close();
          await analyzer.close();
          if (analytics.own) await analytics.db.close();
          await logDb?.close();
        },
        close: () => {
          void server.shutdown();
          void cache.close();
        },
      };
    },
  };
}

/**
 * The analyzer of `POST /finance/analyze`, loaded on its first request. Its classifiers and
 * lexicons cost a process about 16 MiB, which every worker container's API (there for the health
 * check and the metrics) would otherwise hold: the order roles run in 128 MB.
 */
function lazyAnalyzer(
  rt: Runtime,
  logger: Logger,
): Pick<FinanceAnalyzer, "defaultBackend" | "analyze" | "close"> {
  let loading: Promise<FinanceAnalyzer> | null = null;
  const load = () =>
    loading ??= import("./finance/sentiment_role.ts")
      .then((m) => m.financeAnalyzer(rt, logger))
      .catch((err) => {
        loading = null;
        throw err;
      });
  return {
    defaultBackend: rt.config.SENTIMENT_BACKEND,
    analyze: async (inputs, backend, signal) => (await load()).analyze(inputs, backend, signal),
    close: async () => {
      // A load that failed has nothing to close.
      await (await loading?.catch(() => null))?.close();
    },
  };
}

/** A producer that connects on first use (and again after a failed connect). */
function lazyProducer(rt: Runtime): Producer {
  return {
    send: async (topic, records) => (await rt.producer()).send(topic, records),
    close: () => Promise.resolve(),
  };
}

function lazyAdmin(rt: Runtime): Admin {
  const admin = () => rt.admin();
  return {
    ensureTopics: async (specs) => (await admin()).ensureTopics(specs),
    lag: async (group, topic) => (await admin()).lag(group, topic),
    describeGroup: async (group) => (await admin()).describeGroup(group),
    topicSize: async (topic) => (await admin()).topicSize(topic),
    ping: async () => (await admin()).ping(),
    incarnation: async () => (await admin()).incarnation(),
    deleteTopics: async (topics) => (await admin()).deleteTopics(topics),
    close: () => Promise.resolve(),
  };
}
