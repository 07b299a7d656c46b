/**
 * The sentiment role's figures (issue 13), each on its own Redis prefix or schema, removed after:
 *
 * - near-duplicate lookup (`near_dup.ts`): BENCH_NEAR_DUP_SIGNATURES (default 1,000,000)
 *   originals in Redis, lookup p50/p99 beside a Redis PING, CPU, memory and script cost;
 * - analytics routes: BENCH_ANALYTICS_ROWS (default 1,000,000) rows in `sentiment_results`, views
 *   refreshed, then p50/p99 of each route through the Hono app (PostgreSQL, no cache);
 * - end to end: BENCH_E2E_RATE events/s (default 1,000) for BENCH_E2E_SECONDS (default 30)
 *   produced to Kafka once the role's group is stable, the role in this process (local backend),
 *   latency from the event's published_at to its row's processed_at, overall and per 5 s.
 */
import process from "node:process";
import { NO_AUTH } from "../routes/mod.ts";
import { AlertStore, AnalyticsStore, FinanceAnalyzer } from "../actors/finance/mod.ts";
import { migrate, PostgresDb } from "../db/mod.ts";
import { financeAnalyticsRoutes } from "../routes/finance_analytics.ts";
import { financeEvent, financeSandbox, runSentiment } from "../tests/helpers/sentiment.ts";
import { DATABASE_URL, uniqueName, until } from "../tests/helpers/mod.ts";
import { headline } from "./_headlines.ts";
import { percentiles } from "./_percentiles.ts";

type Out = (line: string) => void;
const env = (k: string, d: number) => Number(Deno.env.get(k) ?? d);

export async function analyticsBench(out: Out) {
  const n = env("BENCH_ANALYTICS_ROWS", 1_000_000);
  const schema = uniqueName("bench_an", "_").replaceAll("-", "_");
  const db = new PostgresDb({ url: DATABASE_URL, schema });
  try {
    await db.exec(`CREATE SCHEMA ${schema}`);
    await migrate(db);
    out(`analytics: inserting ${n} rows...`);
    await db.exec(
      `INSERT INTO sentiment_results (event_id, source, kind, symbols, asset_class, label, score,
         confidence, entities, model, dup_check, text, published_at, processed_at)
       SELECT 'b:' || g, (ARRAY['truedata','news','twitter','reddit','economic'])[1 + g % 5],
              'post', ARRAY['S' || (g % 500)],
              (ARRAY['equity','crypto','forex','commodity','macro'])[1 + g % 5],
              (ARRAY['positive','negative','neutral'])[1 + g % 3], ((g % 200) - 100) / 100.0, 0.7,
              '{}', 'local:afinn-165-fin', 'original', 'bench text ' || g,
              now() - (g % 86400) * interval '1 second', now() - (g % 86400) * interval '1 second'
       FROM generate_series(1, ${n}) g`,
    );
    await db.exec(`ANALYZE sentiment_results`);
    const store = new AnalyticsStore(db);
    await store.refreshViews();
    const app = financeAnalyticsRoutes({
      store,
      alerts: new AlertStore(db),
      analyzer: new FinanceAnalyzer(),
    }, NO_AUTH);
    const routes = [
      "/finance/sentiment/asset-classes?minutes=60",
      "/finance/sentiment/sources?minutes=1440",
      "/finance/sentiment/symbols/S42?limit=50",
      "/finance/events/b:4242",
    ];
    const result: Record<string, { p50Ms: number; p99Ms: number }> = {};
    for (const route of routes) {
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        const res = await app.request(route);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${route}: ${res.status}`);
        times.push(performance.now() - t);
      }
      result[route] = percentiles(times);
    }
    return { rows: n, routes: result };
  } finally {
    await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    await db.close();
  }
}

export async function endToEndBench(out: Out) {
  const rate = env("BENCH_E2E_RATE", 1_000);
  const seconds = env("BENCH_E2E_SECONDS", 30);
  const s = await financeSandbox({ SENTIMENT_VIEWS_REFRESH_S: "0" });
  const role = await runSentiment(s);
  const producer = await s.kafka.producer();
  try {
    // The group's first join waits out the broker's initial rebalance delay (3 s): a start-up
    // cost, not the steady latency the target is about.
    const admin = await s.kafka.admin();
    const group = `${s.sentimentTopic}-group`;
    await until(
      "the sentiment group is stable",
      async () => {
        const g = await admin.describeGroup(group);
        return g.state === "Stable" && g.members > 0;
      },
      60_000,
      100,
    );
    out(`end to end: ${rate} events/s for ${seconds} s...`);
    const total = rate * seconds;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 50);
      const batch = Array.from({ length: due - sent }, (_, k) => {
        const now = new Date().toISOString();
        // A symbol each, as the feeds send: the minute aggregates and alert checks run per batch.
        const symbols = [`S${(sent + k) % 50}`];
        return financeEvent(headline(sent + k), { symbols, received_at: now, published_at: now });
      });
      if (batch.length) {
        await producer.send(
          s.sentimentTopic,
          batch.map((e) => ({ key: e.event_id, value: JSON.stringify(e) })),
        );
      }
      sent = due;
      await new Promise((r) => setTimeout(r, 50));
    }
    const count = async () =>
      (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sentiment_results`))[0].n;
    await until("every event stored", async () => (await count()) >= total, 300_000, 200);
    const cpu = process.cpuUsage(cpu0);
    const [r] = await s.db.query<{ p50: number; p99: number; secs: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY e) * 1000 AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY e) * 1000 AS p99,
              extract(epoch FROM max(processed_at) - min(published_at)) AS secs
       FROM (SELECT extract(epoch FROM processed_at - published_at) AS e, processed_at,
                    published_at FROM sentiment_results) t`,
    );
    // Per 5 s of publication: shows a start-up backlog apart from the steady state.
    const slices = await s.db.query<{ fromS: number; n: number; p50: number; p99: number }>(
      `WITH t AS (SELECT extract(epoch FROM processed_at - published_at) * 1000 AS e,
                        extract(epoch FROM published_at - min(published_at) OVER ()) AS at
                 FROM sentiment_results)
       SELECT floor(at / 5)::int * 5 AS "fromS", count(*)::int AS n,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY e)) AS p50,
              round(percentile_cont(0.99) WITHIN GROUP (ORDER BY e)) AS p99
       FROM t GROUP BY 1 ORDER BY 1`,
    );
    return {
      events: total,
      rate,
      p50Ms: r.p50,
      p99Ms: r.p99,
      throughput: total / r.secs,
      // This process: the role and the producer together.
      cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / total,
      slices,
    };
  } finally {
    await producer.close();
    await role.stop();
    await s.dispose();
  }
}
