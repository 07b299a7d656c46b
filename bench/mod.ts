/**
 * `deno task bench`: end-to-end figures on the real broker and PostgreSQL.
 *
 * Writer: pre-fill a topic with BENCH_MESSAGES (default 200,000) text messages, start the
 * text-writer role, and measure messages per second from consume to committed rows (until the
 * group's committed offsets cover every message). In the same run, the naive peer (one insert
 * and one commit per message) consumes BENCH_NAIVE_MESSAGES (default 3,000) from the same topic
 * into its own schema. Prints both rates and their ratio, and writes bench/out/writer.json.
 *
 * Ingest (`ingest.ts`): webhooks and POST /messages under autocannon against a Hono hello world.
 */
import { Supervisor } from "../runtime/supervisor.ts";
import { Runtime } from "../actors/resources.ts";
import { supervisorOptions } from "../actors/mod.ts";
import { textWriterRole } from "../actors/text/role.ts";
import { migrate, PostgresDb } from "../db/mod.ts";
import {
  committedTotal,
  DATABASE_URL,
  KAFKA_BROKERS,
  produceTexts,
  rowCount,
  sandbox,
  textMessages,
  until,
} from "../tests/helpers/mod.ts";
import { runNaivePeer } from "./naive_peer.ts";
import { orderBench } from "./orders.ts";
import { classifierBench } from "./classifier.ts";
import { trendRouteBench } from "./trends.ts";
import { ingestBench } from "./ingest.ts";
import { analyticsBench, endToEndBench, nearDupBench } from "./sentiment.ts";
import { aggregatorComputeBench } from "./aggregator.ts";
import { aggregatorScaleBench } from "./aggregator_scale.ts";

const N = Number(Deno.env.get("BENCH_MESSAGES") ?? 200_000);
const NAIVE_N = Number(Deno.env.get("BENCH_NAIVE_MESSAGES") ?? 3_000);
const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));

async function writerBench() {
  const s = await sandbox({ TOPIC_PARTITIONS: "3" });
  try {
    out(`pre-filling ${s.topic} with ${N} messages...`);
    const t0 = performance.now();
    await produceTexts(s, textMessages(N, "bench message with a little text"), 10_000);
    out(`  produced in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const rt = new Runtime(s.config, { transport: s.kafka });
    const root = new Supervisor([textWriterRole(rt)], supervisorOptions(rt, "bench"));
    rt.root = root;
    const start = performance.now();
    await root.start();
    let firstAt = 0, firstRows = 0;
    await until(
      "first rows",
      async () => {
        firstRows = (await rowCount(s)).total;
        firstAt = performance.now();
        return firstRows > 0;
      },
      60_000,
      5,
    );
    await until("every offset committed", async () => (await committedTotal(s)) >= N, 600_000, 20);
    const end = performance.now();
    await root.stop();
    await rt.close();
    const rows = await rowCount(s);
    if (rows.total !== N || rows.distinct !== N) {
      throw new Error(`expected ${N} rows, got ${rows.total}`);
    }
    const total = (end - start) / 1000;
    const sustained = (N - firstRows) / ((end - firstAt) / 1000);

    out(`naive peer: ${NAIVE_N} messages, one insert + one commit each...`);
    const naiveSchema = `${s.schema}_naive`;
    const ndb = new PostgresDb({ url: DATABASE_URL, schema: naiveSchema });
    await ndb.exec(`CREATE SCHEMA IF NOT EXISTS ${naiveSchema}`);
    await migrate(ndb);
    const naive = await runNaivePeer({
      brokers: KAFKA_BROKERS.split(","),
      topic: s.topic,
      groupId: `${s.topic}-naive`,
      databaseUrl: DATABASE_URL,
      schema: naiveSchema,
      count: NAIVE_N,
    });
    await ndb.exec(`DROP SCHEMA ${naiveSchema} CASCADE`);
    await ndb.close();
    const naiveRate = naive.messages / naive.seconds;
    return {
      messages: N,
      totalSeconds: total,
      overallRate: N / total,
      sustainedRate: sustained,
      naiveRate,
    };
  } finally {
    await s.dispose();
  }
}

const only = Deno.env.get("BENCH_ONLY");
const r = only && only !== "writer" ? null : await writerBench();
const o = only && only !== "orders" ? null : await orderBench(out);
const k = only && only !== "classifier" ? null : await classifierBench(out);
const tr = only && only !== "trends" ? null : await trendRouteBench(out);
const ig = only && only !== "ingest" ? null : await ingestBench(out);
const sentimentOn = !only || only === "sentiment";
const nd = sentimentOn ? await nearDupBench(out) : null;
const an = sentimentOn ? await analyticsBench(out) : null;
const e2e = sentimentOn ? await endToEndBench(out) : null;
const ag = only && only !== "aggregator" ? null : aggregatorComputeBench(out);
const as = only && only !== "aggregator" ? null : await aggregatorScaleBench(out);
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
out("");
if (r) {
  out(
    `writer   : ${fmt(r.sustainedRate)} msg/s sustained, ${
      fmt(r.overallRate)
    } msg/s including start-up (${r.messages} messages in ${r.totalSeconds.toFixed(2)} s)`,
  );
  out(`naive    : ${fmt(r.naiveRate)} msg/s (one insert + one commit per message)`);
  out(`ratio    : ${(r.sustainedRate / r.naiveRate).toFixed(1)} x`);
}
if (o) {
  out(
    `orders   : ${fmt(o.ordersPerSecond)} orders/s (backlog of ${o.orders} in ${
      o.seconds.toFixed(2)
    } s)`,
  );
  out(
    `latency  : p50 ${o.p50Ms.toFixed(1)} ms, p99 ${
      o.p99Ms.toFixed(1)
    } ms at 10 orders/s (${o.latencyOrders} orders)`,
  );
}
if (ag) {
  out(
    `aggregator: ${fmt(ag.postsPerSecond)} posts/s wall, ${
      fmt(ag.postsPerCpuSecond)
    } posts per CPU-second, compute only (${ag.posts} posts); JSON round-trip ceiling ${
      fmt(ag.jsonCeilingPerCpuSecond)
    }/CPU-s`,
  );
}
if (as) {
  for (const r of [as.one, as.two]) {
    out(
      `aggregator: ${
        fmt(r.sustained)
      } posts/s end to end with ${r.processes} process(es) on Kafka, ${
        fmt(r.postsPerCpuSecond)
      } posts per CPU-second (${r.posts} posts, 4 keyword partitions)`,
    );
  }
  out(`aggregator: two processes / one = ${(as.two.sustained / as.one.sustained).toFixed(2)} x`);
}
if (k) {
  out(`classifier: ${fmt(k.postsPerSecond)} posts/s, local backend, one core (${k.posts} posts)`);
}
if (tr) {
  for (const [route, x] of Object.entries(tr.routes)) {
    out(
      `trends   : GET ${route} p50 ${x.p50Ms.toFixed(2)} ms, p99 ${
        x.p99Ms.toFixed(2)
      } ms (${tr.requests} requests, Redis cache)`,
    );
  }
}
if (ig) {
  const ratio = ig.single.requestsPerSecond / ig.hello.requestsPerSecond;
  out(`ingest   : ${fmt(ig.eventsPerSecond)} events/s in signed batches of ${ig.batch}`);
  out(
    `ingest   : ${fmt(ig.single.requestsPerSecond)} req/s one event each; hello world ${
      fmt(ig.hello.requestsPerSecond)
    } req/s; ratio ${ratio.toFixed(2)}`,
  );
  out(
    `ingest   : at ${
      fmt(ig.rate)
    } req/s p50 ${ig.fixedRate.p50Ms} ms, p99 ${ig.fixedRate.p99Ms} ms`,
  );
  out(
    `messages : ${fmt(ig.messages.requestsPerSecond)} req/s (ratio ${
      (ig.messages.requestsPerSecond / ig.hello.requestsPerSecond).toFixed(2)
    }); at ${
      fmt(ig.rate)
    } req/s p50 ${ig.messagesFixedRate.p50Ms} ms, p99 ${ig.messagesFixedRate.p99Ms} ms`,
  );
}
if (nd) {
  out(
    `near-dup : lookup p50 ${nd.p50Ms.toFixed(3)} ms, p99 ${nd.p99Ms.toFixed(3)} ms with ${
      fmt(nd.signatures)
    } signatures in Redis (${nd.lookups} lookups)`,
  );
}
if (an) {
  for (const [route, x] of Object.entries(an.routes)) {
    out(
      `analytics: GET ${route} p50 ${x.p50Ms.toFixed(2)} ms, p99 ${x.p99Ms.toFixed(2)} ms (${
        fmt(an.rows)
      } rows)`,
    );
  }
}
if (e2e) {
  out(
    `sentiment: end to end p50 ${e2e.p50Ms.toFixed(0)} ms, p99 ${e2e.p99Ms.toFixed(0)} ms, ${
      fmt(e2e.throughput)
    } events/s (${fmt(e2e.events)} events offered at ${e2e.rate}/s, local backend)`,
  );
}
await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("./out/results.json", import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      ingest: ig,
      writer: r,
      orders: o,
      classifier: k,
      trends: tr,
      nearDup: nd,
      analytics: an,
      sentimentEndToEnd: e2e,
      aggregator: ag,
      aggregatorScale: as,
    },
    null,
    2,
  ),
);
Deno.exit(0);
