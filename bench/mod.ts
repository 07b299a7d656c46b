/**
 * `deno task bench [names...] [quick]`: figures on the real broker and PostgreSQL. Names pick
 * benches (default: all): text, naive, orders, container, classifier, trends, ingest, sentiment,
 * aggregator (`BENCH_ONLY=<name>` too). `quick` shrinks the text and order backlogs to 50,000
 * and 20,000 unless BENCH_MESSAGES / BENCH_ORDERS say otherwise.
 *
 * Text (`text.ts`): the text writer beside the machine's ceilings (raw kafkajs consume, raw
 * COPY), one and two writer processes, with ratios and peak RSS. Naive: the naive peer (one
 * insert and one commit per message, as the seed services do). Orders (`orders.ts`): the order
 * processor's backlog drain and latency; container (`orders_container.ts`): the same drain as
 * the order processor's compose container runs it, in its memory limit. Ingest (`ingest.ts`):
 * webhooks and POST /messages under autocannon against a Hono hello world.
 */
import { migrate, PostgresDb } from "../db/mod.ts";
import {
  DATABASE_URL,
  KAFKA_BROKERS,
  produceTexts,
  sandbox,
  textMessages,
} from "../tests/helpers/mod.ts";
import { runNaivePeer } from "./naive_peer.ts";
import { orderBench } from "./orders.ts";
import { containerBench, containerLines } from "./orders_container.ts";
import { classifierBench } from "./classifier.ts";
import { trendRouteBench } from "./trends.ts";
import { ingestBench } from "./ingest.ts";
import { analyticsBench, endToEndBench } from "./sentiment.ts";
import { nearDupBench } from "./near_dup.ts";
import { aggregatorComputeBench } from "./aggregator.ts";
import { textBench, textLines } from "./text.ts";
const args = new Set(Deno.args);
if (args.delete("quick")) {
  if (!Deno.env.get("BENCH_MESSAGES")) Deno.env.set("BENCH_MESSAGES", "50000");
  if (!Deno.env.get("BENCH_ORDERS")) Deno.env.set("BENCH_ORDERS", "20000");
}
const onlyEnv = Deno.env.get("BENCH_ONLY");
if (onlyEnv) args.add(onlyEnv === "writer" ? "text" : onlyEnv);
const wanted = (name: string) => args.size === 0 || args.has(name);
import { aggregatorScaleBench } from "./aggregator_scale.ts";

const NAIVE_N = Number(Deno.env.get("BENCH_NAIVE_MESSAGES") ?? 3_000);
const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));

async function naiveBench() {
  const s = await sandbox({ TOPIC_PARTITIONS: "3" });
  try {
    out(`naive peer: ${NAIVE_N} messages, one insert + one commit each...`);
    await produceTexts(s, textMessages(NAIVE_N, "bench message with a little text"), 10_000);
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
    return { messages: naive.messages, naiveRate: naive.messages / naive.seconds };
  } finally {
    await s.dispose();
  }
}

const t = wanted("text") ? await textBench(out) : null;
const r = wanted("naive") ? await naiveBench() : null;
const o = wanted("orders") ? await orderBench(out) : null;
const oc = wanted("container") ? await containerBench(out) : null;
const k = wanted("classifier") ? await classifierBench(out) : null;
const tr = wanted("trends") ? await trendRouteBench(out) : null;
const ig = wanted("ingest") ? await ingestBench(out) : null;
const sentimentOn = wanted("sentiment");
const nd = sentimentOn ? await nearDupBench(out) : null;
const an = sentimentOn ? await analyticsBench(out) : null;
const e2e = sentimentOn ? await endToEndBench(out) : null;
const ag = wanted("aggregator") ? aggregatorComputeBench(out) : null;
const as = wanted("aggregator") ? await aggregatorScaleBench(out) : null;
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
out("");
if (t) { for (const line of textLines(t)) out(line); }
if (r) out(`naive    : ${fmt(r.naiveRate)} msg/s (one insert + one commit per message)`);
if (t && r) out(`ratio    : writer / naive ${(t.one.sustainedRate / r.naiveRate).toFixed(1)} x`);
if (o) {
  out(
    `orders   : ${fmt(o.sustainedRate)} orders/s sustained, ${
      fmt(o.ordersPerSecond)
    } with start-up (backlog of ${o.orders} in ${o.seconds.toFixed(2)} s; peak RSS ${
      Math.round(o.processorPeakRssMiB)
    } MiB; CPU/order processor ${o.cpuUsPerOrder.toFixed(1)} µs + PostgreSQL ${
      o.pgCpuUsPerOrder.toFixed(1)
    } µs)`,
  );
  if (t) {
    out(
      `ratio    : order processor / text writer ${
        (o.sustainedRate / t.one.sustainedRate).toFixed(2)
      }`,
    );
  }
  out(
    `latency  : p50 ${o.p50Ms.toFixed(1)} ms, p99 ${
      o.p99Ms.toFixed(1)
    } ms generated → stored at 10 orders/s (${o.latencyOrders} orders)`,
  );
  out(
    `memory   : at 10 orders/s, producer peak RSS ${
      Math.round(o.producerPeakRssMiB)
    } MiB; processor RSS up to ${Math.round(o.processorRateRssMiB)} MiB (${
      Math.round(o.processorSettledRssMiB)
    } MiB from 5 s after the backlog on; processor CPU ${(o.rateCpuShare * 100).toFixed(1)} %)`,
  );
}
if (oc) { for (const line of containerLines(oc)) out(line); }
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
    } req/s (open loop) p50 ${ig.fixedRate.p50Ms} ms, p99 ${ig.fixedRate.p99Ms} ms; hello world p50 ${ig.helloFixedRate.p50Ms} ms, p99 ${ig.helloFixedRate.p99Ms} ms`,
  );
  out(
    `ingest   : CPU a delivery at ${
      fmt(ig.rate)
    } req/s ${ig.fixedRate.cpu?.role} ms; of it, the webhook app alone (in process, no INSERT or send) ${ig.appAloneMs} ms; hello world ${ig.helloCpuMs} ms`,
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
    } signatures in Redis (${nd.lookups} lookups after ${fmt(nd.warmUp)}, ${
      nd.cpuMsPerLookup.toFixed(3)
    } CPU-ms each); a new process's first ${nd.lookups}: p50 ${nd.cold.p50Ms.toFixed(3)} ms, p99 ${
      nd.cold.p99Ms.toFixed(3)
    } ms`,
  );
  out(
    `near-dup : ceiling, Redis PING p50 ${nd.ceiling.p50Ms.toFixed(3)} ms, p99 ${
      nd.ceiling.p99Ms.toFixed(3)
    } ms; lookup/PING p99 ratio ${(nd.p99Ms / nd.ceiling.p99Ms).toFixed(1)}`,
  );
  out(
    `near-dup : filled in ${nd.fillSeconds.toFixed(1)} s (${nd.fillCpuSeconds.toFixed(1)} CPU-s), ${
      fmt(nd.keys)
    } keys, ${(nd.memoryBytes / 2 ** 20).toFixed(0)} MiB; signature + gist ${
      nd.probeCpuMs.toFixed(3)
    } CPU-ms, script ${nd.scriptUsPerCall.toFixed(0)} µs a call`,
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
    } events/s (${fmt(e2e.events)} events offered at ${e2e.rate}/s, local backend), ${
      e2e.cpuMsPerEvent.toFixed(2)
    } CPU-ms an event`,
  );
  for (const x of e2e.slices) {
    out(`sentiment:   published at +${x.fromS} s: ${x.n} events, p50 ${x.p50} ms, p99 ${x.p99} ms`);
  }
}
await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("./out/results.json", import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      ingest: ig,
      text: t,
      naive: r,
      orders: o,
      ordersContainer: oc,
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
