/**
 * Ingest figures (`deno task bench`, BENCH_ONLY=ingest): the ingest role and the API as their own
 * processes (with the roles' V8 flags) on the real Kafka and PostgreSQL, against a bare Hono hello
 * world (bench/hello.ts) measured the same ways as the ceiling.
 *
 * - events/s: closed loop (autocannon in this process), BENCH_CONNECTIONS (64) connections,
 *   signed batches of BENCH_BATCH (50)
 * - req/s: the same with one event per delivery, and its ratio to the hello world's req/s
 * - p50/p99 at a fixed BENCH_RATE (5,000) req/s, one event per delivery: an open-loop generator in
 *   a process of its own (`_open_loop.ts`: evenly spaced, latency from each request's scheduled
 *   time), BENCH_OPEN_CONNECTIONS (256) connections, after a 2 s warm-up at the same rate; the
 *   hello world at the same rate is the latency ceiling
 * - POST /messages: req/s closed loop and p99 at BENCH_RATE
 * - with each, the CPU ms per event of the role process, of its PostgreSQL backends and of the
 *   Kafka broker (the broker is shared: other load on it counts too)
 *
 * A/B: BENCH_INGEST_BASE=<another checkout>/main.ts runs that version's roles too, alternating
 * with this one's, BENCH_ROUNDS times (default 3 with a base, else 1), in the same run.
 * BENCH_INGEST_DENO_FLAGS adds `deno run` flags to both roles (`--cpu-prof --cpu-prof-dir=DIR`:
 * they are then stopped with SIGTERM, so that the profiler writes its profile).
 */
import autocannon from "autocannon";
import pg from "pg";
import { providerPayload } from "../actors/finance/feed_payloads.ts";
import { signatureHeaders } from "../actors/finance/signature.ts";
import { financeSandbox, signedRequest } from "../tests/helpers/finance.ts";
import type { FinanceSandbox } from "../tests/helpers/finance.ts";
import { bearer, DATABASE_URL, listeningUrl, RoleProcess } from "../tests/helpers/mod.ts";
import { ROLE_V8_FLAGS } from "../scripts/compile.ts";
import { CpuMeter, cpuMs, withApplicationName } from "./_cpu.ts";
import { Runtime } from "../actors/mod.ts";
import { openIngest } from "../actors/finance/role.ts";
import { loadConfig } from "../lib/config.ts";
import { createLogger } from "../lib/log.ts";
import { ingestApp } from "../routes/finance.ts";
import { openLoop } from "./_open_loop.ts";
import { percentiles } from "./_percentiles.ts";
import type { OpenLoopResult } from "./_open_loop.ts";

const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 10);
const CONNECTIONS = Number(Deno.env.get("BENCH_CONNECTIONS") ?? 64);
const BATCH = Number(Deno.env.get("BENCH_BATCH") ?? 50);
const RATE = Number(Deno.env.get("BENCH_RATE") ?? 5_000);
const OPEN_CONNECTIONS = Number(Deno.env.get("BENCH_OPEN_CONNECTIONS") ?? 256);
/** Seconds the open-loop generator sends at the rate before it records. */
const WARM_UP_S = 2;
const BASE = Deno.env.get("BENCH_INGEST_BASE");
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? (BASE ? 3 : 1));
const THIS_MAIN = new URL("../main.ts", import.meta.url).pathname;
/** Extra `deno run` flags for the ingest and api roles (`--cpu-prof --cpu-prof-dir=DIR`). */
const ROLE_DENO_FLAGS = (Deno.env.get("BENCH_INGEST_DENO_FLAGS") ?? "").split(" ").filter(Boolean);

/** CPU ms per event (per request for /messages) of the role, its database backends, the broker. */
export interface CpuPerEvent {
  role: number;
  database: number;
  broker: number;
}

/** A load's answers, closed loop (autocannon) or at a fixed rate (the open-loop generator). */
export interface Load
  extends
    Pick<OpenLoopResult, "requestsPerSecond" | "p50Ms" | "p99Ms" | "non2xx" | "errors" | "ok"> {
  cpu?: CpuPerEvent;
  /** Fixed-rate runs: the generator's own CPU ms a request and its worst lateness. */
  generator?: { cpuMsPerRequest: number; maxLagMs: number };
}

interface LoadOptions {
  url: string;
  /** The body and headers of each request (null: a GET). */
  body?: () => { body: string; headers: Record<string, string> };
  /** Requests per second from the open-loop generator (POSTs only); unset: closed loop. */
  rate?: number;
  /** Measures the CPU per event of this role (events per request: `eventsPerRequest`). */
  meter?: CpuMeter;
  eventsPerRequest?: number;
}

const perEvent = (used: { role: number; database: number; broker: number }, events: number) => {
  const per = (ms: number) => Math.round((ms / Math.max(1, events)) * 1000) / 1000;
  return { role: per(used.role), database: per(used.database), broker: per(used.broker) };
};

async function load(o: LoadOptions): Promise<Load> {
  if (o.rate) return await fixedRate(o, o.rate);
  await o.meter?.start();
  const r = await autocannon({
    url: o.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{
      method: o.body ? "POST" : "GET",
      setupRequest: (req: Record<string, unknown>) => {
        if (!o.body) return req;
        const { body, headers } = o.body();
        return { ...req, body, headers: { "content-type": "application/json", ...headers } };
      },
    }],
  });
  const used = await o.meter?.read();
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    ok: r["2xx"],
    ...(used ? { cpu: perEvent(used, r["2xx"] * (o.eventsPerRequest ?? 1)) } : {}),
  };
}

/** `rate` POSTs a second from the open-loop generator; the CPU meter covers its whole run. */
async function fixedRate(o: LoadOptions, rate: number): Promise<Load> {
  const body = o.body ?? (() => ({ body: "{}", headers: {} }));
  await o.meter?.start();
  const r = await openLoop(
    { url: o.url, rate, seconds: SECONDS, warmupS: WARM_UP_S, connections: OPEN_CONNECTIONS },
    () => body(),
  );
  const used = await o.meter?.read();
  // The meter also saw the warm-up's requests.
  const sent = Math.round(rate * (SECONDS + WARM_UP_S)) * (o.eventsPerRequest ?? 1);
  return {
    requestsPerSecond: r.requestsPerSecond,
    p50Ms: Math.round(r.p50Ms * 10) / 10,
    p99Ms: Math.round(r.p99Ms * 10) / 10,
    non2xx: r.non2xx,
    errors: r.errors,
    ok: r.ok,
    ...(used ? { cpu: perEvent(used, sent) } : {}),
    generator: {
      cpuMsPerRequest: Math.round(r.cpuMsPerRequest * 1000) / 1000,
      maxLagMs: Math.round(r.maxLagMs * 10) / 10,
    },
  };
}

let n = 0;
const runTag = crypto.randomUUID().slice(0, 8);
/** The JSON of a news delivery of `size` articles, each with a new id. */
function deliveryBody(size: number): string {
  const events = Array.from(
    { length: size },
    () => ({ ...providerPayload("news"), id: `b${runTag}-${++n}` }),
  );
  return JSON.stringify(size === 1 ? events[0] : events);
}

/** A signed news delivery of `size` articles, each with a new id. */
function delivery(secret: string, size: number) {
  const body = deliveryBody(size);
  return { body, headers: signatureHeaders(secret, body) };
}

/** One version's figures in one round. */
export interface SideRun {
  side: "base" | "this";
  round: number;
  loadAverage: number;
  eventsPerSecond: number;
  batched: Load;
  single: Load;
  fixedRate: Load;
  messages: Load;
  messagesFixedRate: Load;
}

export interface IngestBench {
  eventsPerSecond: number;
  /**
   * CPU ms a delivery of the webhook app alone (HTTP routing, signature, rate limit, parsing and
   * validating, the answer) in the bench process, the write path answering at once: the part of
   * the ingest process's CPU that comes before its INSERT and broker send.
   */
  appAloneMs: number;
  /** CPU ms a request of the hello world's process at the fixed rate. */
  helloCpuMs: number;
  batch: number;
  single: Load;
  fixedRate: Load;
  hello: Load;
  /** The hello world at the fixed rate, POSTs of a single-event delivery's size. */
  helloFixedRate: Load;
  messages: Load;
  messagesFixedRate: Load;
  rate: number;
  /** Every round of every version (this one's last round is the figures above). */
  runs: SideRun[];
}

const cpuText = (l: Load) =>
  (l.cpu ? `cpu ms/event role ${l.cpu.role}, db ${l.cpu.database}, broker ${l.cpu.broker}` : "") +
  generatorText(l);
const generatorText = (l: Load) =>
  l.generator
    ? `; generator ${l.generator.cpuMsPerRequest} cpu ms/req, late ≤ ${l.generator.maxLagMs} ms`
    : "";

/** The ingest and api roles of one version (`main`), measured once. */
async function measureSide(
  s: FinanceSandbox,
  admin: pg.Client,
  side: SideRun["side"],
  round: number,
  out: (line: string) => void,
): Promise<SideRun> {
  const main = side === "base" ? BASE! : THIS_MAIN;
  const app = `bench_${side}_${round}_${runTag}`;
  // Each role connects under its own application name, so that its backends are its own.
  const role = (name: string) =>
    new RoleProcess(
      name,
      { ...s.env, DATABASE_URL: withApplicationName(DATABASE_URL, `${app}_${name}`) },
      [],
      ["run", "-A", ...ROLE_V8_FLAGS, ...ROLE_DENO_FLAGS, main, name],
    );
  const ingest = role("ingest");
  const api = role("api");
  try {
    const [iu, au] = await Promise.all([listeningUrl(ingest, "ingest"), listeningUrl(api, "API")]);
    const say = (what: string, l: Load, extra = "") =>
      out(
        `  ${side} ${round} ${what.padEnd(16)} ${Math.round(l.requestsPerSecond)} req/s${extra}, ` +
          `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, ${l.non2xx} non-2xx; ${cpuText(l)}`,
      );
    const loadAverage = Deno.loadavg()[0];
    const secret = s.secrets.news;
    const webhook = `${iu}/webhooks/news`;
    const ingestMeter = new CpuMeter(ingest.child.pid, `${app}_ingest`, admin);
    const batched = await load({
      url: webhook,
      body: () => delivery(secret, BATCH),
      meter: ingestMeter,
      eventsPerRequest: BATCH,
    });
    const eventsPerSecond = (batched.ok * BATCH) / SECONDS;
    say(`batches of ${BATCH}`, batched, ` (${Math.round(eventsPerSecond)} events/s)`);
    const single = await load({
      url: webhook,
      body: () => delivery(secret, 1),
      meter: ingestMeter,
    });
    say("one event each", single);
    const fixedRate = await load({
      url: webhook,
      body: () => delivery(secret, 1),
      rate: RATE,
      meter: ingestMeter,
    });
    say(`at ${RATE} req/s`, fixedRate);
    const message = () => ({
      body: JSON.stringify({ text: `bench ${++n}` }),
      headers: bearer(), // the suite's key, which RoleProcess gives the api role
    });
    const apiMeter = new CpuMeter(api.child.pid, `${app}_api`, admin);
    const messages = await load({ url: `${au}/messages`, body: message, meter: apiMeter });
    say("POST /messages", messages);
    const messagesFixedRate = await load({
      url: `${au}/messages`,
      body: message,
      rate: RATE,
      meter: apiMeter,
    });
    say(`/messages ${RATE}/s`, messagesFixedRate);
    return {
      side,
      round,
      loadAverage,
      eventsPerSecond,
      batched,
      single,
      fixedRate,
      messages,
      messagesFixedRate,
    };
  } finally {
    // A profiler writes its profile on a graceful stop only.
    await Promise.all([ingest, api].map((r) => ROLE_DENO_FLAGS.length ? r.stop() : r.dispose()));
  }
}

const APP_ALONE_DELIVERIES = 5_000;

/**
 * The webhook app of this version in this process, with a write path that answers at once (no
 * INSERT, no send), fed signed single-event deliveries with their content-length as a server
 * hands them over: the median over 5 rounds of CPU ms a delivery (the process's CPU, so its
 * collector's threads too), after a round to warm it.
 */
async function appAlone(s: FinanceSandbox): Promise<number> {
  // Its own rate-limit keys: the role's loads after it count against the sandbox's.
  const rt = new Runtime(loadConfig({ ...s.env, INGEST_RATE_PREFIX: `${runTag}-app-alone` }));
  const { deps, close } = await openIngest(rt, createLogger("bench-ingest"));
  const app = ingestApp({
    ...deps,
    ingest: (events) =>
      Promise.resolve(events.map((e) => ({ event_id: e.event_id, status: "accepted" as const }))),
  });
  const info = { remoteAddr: { hostname: "127.0.0.1", port: 40_000, transport: "tcp" } };
  const utf8 = new TextEncoder();
  try {
    const perDelivery: number[] = [];
    for (let round = 0; round < 6; round++) {
      const requests = Array.from({ length: APP_ALONE_DELIVERIES }, () => {
        const body = deliveryBody(1);
        return signedRequest(s, "news", body, {
          "content-length": String(utf8.encode(body).length),
        });
      });
      const before = cpuMs("self");
      for (const request of requests) {
        const res = await app.fetch(request, info);
        if (res.status !== 202) {
          throw new Error(`webhook app alone: ${res.status} ${await res.text()}`);
        }
        await res.arrayBuffer();
      }
      if (round > 0) perDelivery.push((cpuMs("self") - before) / APP_ALONE_DELIVERIES);
    }
    return Math.round(percentiles(perDelivery).p50Ms * 1000) / 1000;
  } finally {
    await close();
    await rt.close();
  }
}

export async function ingestBench(out: (line: string) => void): Promise<IngestBench> {
  const s = await financeSandbox({
    LOG_LEVEL: "error",
    INGEST_MAX_EVENTS: "1000",
    DATABASE_POOL_SIZE: "10",
  });
  const hello = new RoleProcess("", {}, [], [
    "run",
    "--allow-net",
    new URL("./hello.ts", import.meta.url).pathname,
  ]);
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const hu = await listeningUrl(hello, "hello");
    out(
      `ingest: ${SECONDS} s per run, ${CONNECTIONS} connections, autocannon` +
        (BASE ? `; A/B against ${BASE}, ${ROUNDS} rounds` : ""),
    );
    const helloLoad = await load({ url: hu });
    out(`  hello world          ${Math.round(helloLoad.requestsPerSecond)} req/s`);
    const helloFixedRate = await load({
      url: hu,
      body: () => delivery("hello", 1),
      rate: RATE,
      meter: new CpuMeter(hello.child.pid, `bench_hello_${runTag}`, admin),
    });
    const helloCpuMs = helloFixedRate.cpu!.role;
    out(
      `  hello world at ${RATE} req/s p50 ${helloFixedRate.p50Ms} ms, p99 ${helloFixedRate.p99Ms} ms` +
        `, ${helloCpuMs} cpu ms/req` + generatorText(helloFixedRate),
    );
    const appAloneMs = await appAlone(s);
    out(
      `  webhook app alone, in process, write path answering at once: ${appAloneMs} cpu ms/delivery`,
    );
    const runs: SideRun[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternating which goes first, so a load trend does not favour one side.
      const sides: SideRun["side"][] = !BASE ? ["this"] : round % 2 ? ["base", "this"] : [
        "this",
        "base",
      ];
      for (const side of sides) runs.push(await measureSide(s, admin, side, round, out));
    }
    const last = runs.filter((r) => r.side === "this").at(-1)!;
    return {
      eventsPerSecond: last.eventsPerSecond,
      appAloneMs,
      helloCpuMs,
      batch: BATCH,
      single: last.single,
      fixedRate: last.fixedRate,
      hello: helloLoad,
      helloFixedRate,
      messages: last.messages,
      messagesFixedRate: last.messagesFixedRate,
      rate: RATE,
      runs,
    };
  } finally {
    await admin.end();
    await hello.dispose();
    await s.dispose();
  }
}

if (import.meta.main) {
  const say = (l: string) => Deno.stdout.writeSync(new TextEncoder().encode(l + "\n"));
  say(JSON.stringify(await ingestBench(say), null, 2));
  Deno.exit(0);
}
