/**
 * Roles `ingest` (the webhook server on INGEST_PORT, its outbox relay and raw partition
 * upkeep) and `market-feed` (signed provider payloads of every source at FEED_RATE, posted to
 * the ingest role, for a demo with nothing installed).
 */
import type { Config } from "../../lib/config.ts";
import type { Logger } from "../../lib/log.ts";
import { ingestApp } from "../../routes/finance.ts";
// Not ../api.ts: that loads every API route (and the trend, lake and social code behind them).
import { apiAuth } from "../../routes/_auth.ts";
import type { FinanceDeps } from "../../routes/finance.ts";
import type { FinanceSource } from "../../schemas/finance.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import { BatchingProducer } from "../../transport/mod.ts";
import type { Producer } from "../../transport/mod.ts";
import { ensureTopic, serveOrExplain } from "../_role.ts";
import type { Runtime } from "../resources.ts";
import { startMarketFeed } from "./feed.ts";
import { Ingester } from "./ingester.ts";
import { createRateLimits } from "./rate_limit.ts";
import { RawEventStore } from "./raw_store.ts";
import { startRelay } from "./relay.ts";

export interface IngestOverrides {
  /** Runs between the INSERT and the broker send (tests kill the process there). */
  afterStore?: () => Promise<void>;
  /** Instead of the process's producer (tests: one whose broker is down). */
  producer?: Producer;
}

/** The secret of each source that has one. */
export function ingestSecrets(c: Config): Partial<Record<FinanceSource, string>> {
  const all: Record<FinanceSource, string | undefined> = {
    truedata: c.INGEST_SECRET_TRUEDATA,
    news: c.INGEST_SECRET_NEWS,
    twitter: c.INGEST_SECRET_TWITTER,
    reddit: c.INGEST_SECRET_REDDIT,
    economic: c.INGEST_SECRET_ECONOMIC,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v)) as Partial<
    Record<FinanceSource, string>
  >;
}

/** The raw store, the ingester and the webhook server's dependencies of one process. */
export async function openIngest(rt: Runtime, logger: Logger, overrides: IngestOverrides = {}) {
  const c = rt.config;
  const store = new RawEventStore(await rt.rawDb(), c.RAW_RETENTION_DAYS, c.RAW_PARTITIONS_AHEAD);
  await store.ensureSchema();
  await ensureTopic(rt, c.FINANCE_TOPIC, c.FINANCE_PARTITIONS);
  // Concurrent flushes (and the relay) share broker sends.
  const producer = new BatchingProducer(overrides.producer ?? await rt.producer());
  const ingester = new Ingester({
    store,
    producer,
    topic: c.FINANCE_TOPIC,
    logger,
    maxEvents: c.INGEST_FLUSH_MAX,
    concurrency: c.INGEST_FLUSH_CONCURRENCY,
    flushIntervalMs: c.INGEST_FLUSH_INTERVAL_MS,
    publishTimeoutMs: c.INGEST_PUBLISH_TIMEOUT_MS,
    afterStore: overrides.afterStore,
  });
  const limits = await createRateLimits({
    perSource: c.INGEST_RATE_PER_SOURCE,
    perClient: c.INGEST_RATE_PER_CLIENT,
    windowS: c.INGEST_RATE_WINDOW_S,
    prefix: c.INGEST_RATE_PREFIX,
    redisUrl: c.REDIS_URL,
  });
  const deps: FinanceDeps = {
    ingest: (events) => ingester.submit(events),
    secrets: ingestSecrets(c),
    toleranceS: c.INGEST_SIGNATURE_TOLERANCE_S,
    maxBodyBytes: c.INGEST_MAX_BODY_BYTES,
    maxEvents: c.INGEST_MAX_EVENTS,
    limits,
    corsOrigins: c.INGEST_CORS_ORIGINS.length ? c.INGEST_CORS_ORIGINS : c.CORS_ORIGINS,
    auth: apiAuth(c),
    events: store,
    logger,
  };
  return { deps, store, producer, close: () => limits.close() };
}

export function ingestRole(
  rt: Runtime,
  onListen?: (url: string) => void,
  overrides: IngestOverrides = {},
): ChildSpec {
  const c = rt.config;
  return {
    id: "ingest",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      const { deps, store, producer, close } = await openIngest(rt, ctx.logger, overrides);
      const missing = (["truedata", "news", "twitter", "reddit", "economic"] as const)
        .filter((s) => !deps.secrets[s]);
      if (missing.length) {
        ctx.logger.warn("sources without a secret refuse every delivery", { sources: missing });
      }
      const relay = startRelay({
        store,
        producer,
        topic: c.FINANCE_TOPIC,
        logger: ctx.logger.child("relay"),
        graceMs: c.INGEST_RELAY_GRACE_MS,
        intervalMs: c.INGEST_RELAY_INTERVAL_MS,
      });
      const app = ingestApp(deps);
      const server = serveOrExplain(c.HOST, c.INGEST_PORT, () =>
        Deno.serve({
          port: c.INGEST_PORT,
          hostname: c.HOST,
          onListen: ({ hostname, port }) => {
            const url = `http://${hostname}:${port}`;
            ctx.logger.info("ingest listening", { url, topic: c.FINANCE_TOPIC });
            rt.ingestUrl = url;
            onListen?.(url);
          },
        }, app.fetch), "INGEST_PORT");
      return {
        done: Promise.race([server.finished, relay.done]),
        stop: async () => {
          await server.shutdown();
          await relay.stop();
          await close();
        },
        close: () => {
          void server.shutdown();
          relay.close();
          void close();
        },
      };
    },
  };
}

export function marketFeedRole(rt: Runtime): ChildSpec {
  const c = rt.config;
  return {
    id: "market-feed",
    // With FEED_COUNT the feed finishes normally and is not restarted.
    restart: "transient",
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: (ctx) =>
      Promise.resolve(startMarketFeed({
        url: () => c.INGEST_URL ?? rt.ingestUrl ?? `http://127.0.0.1:${c.INGEST_PORT}`,
        secrets: ingestSecrets(c),
        rate: c.FEED_RATE,
        count: c.FEED_COUNT,
        logger: ctx.logger,
      })),
  };
}
