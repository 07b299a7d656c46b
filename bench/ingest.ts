/**
 * Ingest figures (`deno task bench`, BENCH_ONLY=ingest): the ingest role and the API as their own
 * processes on the real Kafka and PostgreSQL, loaded by autocannon from this process, against a
 * bare Hono hello world (bench/hello.ts) measured the same way as the ceiling.
 *
 * - events/s: closed loop, BENCH_CONNECTIONS (64) connections, signed batches of BENCH_BATCH (50)
 * - req/s: the same with one event per delivery, and its ratio to the hello world's req/s
 * - p50/p99 at a fixed BENCH_RATE (5,000) req/s, one event per delivery
 * - POST /messages: req/s closed loop and p99 at BENCH_RATE
 */
import autocannon from "autocannon";
import { providerPayload } from "../actors/finance/feed_payloads.ts";
import { signatureHeaders } from "../actors/finance/signature.ts";
import { financeSandbox } from "../tests/helpers/finance.ts";
import { bearer, listeningUrl, RoleProcess } from "../tests/helpers/mod.ts";

const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 10);
const CONNECTIONS = Number(Deno.env.get("BENCH_CONNECTIONS") ?? 64);
const BATCH = Number(Deno.env.get("BENCH_BATCH") ?? 50);
const RATE = Number(Deno.env.get("BENCH_RATE") ?? 5_000);

export interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  ok: number;
}

interface LoadOptions {
  url: string;
  /** The body and headers of each request (null: a GET). */
  body?: () => { body: string; headers: Record<string, string> };
  rate?: number;
  connections?: number;
}

async function load(o: LoadOptions): Promise<Load> {
  const r = await autocannon({
    url: o.url,
    connections: o.connections ?? CONNECTIONS,
    duration: SECONDS,
    ...(o.rate ? { overallRate: o.rate } : {}),
    requests: [{
      method: o.body ? "POST" : "GET",
      setupRequest: (req: Record<string, unknown>) => {
        if (!o.body) return req;
        const { body, headers } = o.body();
        return { ...req, body, headers: { "content-type": "application/json", ...headers } };
      },
    }],
  });
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    ok: r["2xx"],
  };
}

let n = 0;
/** A signed news delivery of `size` articles, each with a new id. */
function delivery(secret: string, size: number) {
  const events = Array.from(
    { length: size },
    () => ({ ...providerPayload("news"), id: `b${++n}` }),
  );
  const body = JSON.stringify(size === 1 ? events[0] : events);
  return { body, headers: signatureHeaders(secret, body) };
}

export interface IngestBench {
  eventsPerSecond: number;
  batch: number;
  single: Load;
  fixedRate: Load;
  hello: Load;
  messages: Load;
  messagesFixedRate: Load;
  rate: number;
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
  const ingest = new RoleProcess("ingest", s.env);
  const api = new RoleProcess("api", s.env);
  try {
    const [hu, iu, au] = await Promise.all([
      listeningUrl(hello, "hello"),
      listeningUrl(ingest, "ingest"),
      listeningUrl(api, "API"),
    ]);
    const secret = s.secrets.news;
    out(`ingest: ${SECONDS} s per run, ${CONNECTIONS} connections, autocannon`);
    const helloLoad = await load({ url: hu });
    out(`  hello world          ${Math.round(helloLoad.requestsPerSecond)} req/s`);
    const batched = await load({ url: `${iu}/webhooks/news`, body: () => delivery(secret, BATCH) });
    const eventsPerSecond = (batched.ok * BATCH) / SECONDS;
    out(
      `  batches of ${BATCH}        ${
        Math.round(eventsPerSecond)
      } events/s (${batched.non2xx} non-2xx)`,
    );
    const single = await load({ url: `${iu}/webhooks/news`, body: () => delivery(secret, 1) });
    out(
      `  one event each       ${
        Math.round(single.requestsPerSecond)
      } req/s, p99 ${single.p99Ms} ms`,
    );
    const fixedRate = await load({
      url: `${iu}/webhooks/news`,
      body: () => delivery(secret, 1),
      rate: RATE,
    });
    out(`  at ${RATE} req/s       p50 ${fixedRate.p50Ms} ms, p99 ${fixedRate.p99Ms} ms`);
    const message = () => ({
      body: JSON.stringify({ text: `bench ${++n}` }),
      headers: bearer(), // the suite's key, which RoleProcess gives the api role
    });
    const messages = await load({ url: `${au}/messages`, body: message });
    out(
      `  POST /messages       ${
        Math.round(messages.requestsPerSecond)
      } req/s, p99 ${messages.p99Ms} ms`,
    );
    const messagesFixedRate = await load({ url: `${au}/messages`, body: message, rate: RATE });
    out(
      `  /messages at ${RATE}  p50 ${messagesFixedRate.p50Ms} ms, p99 ${messagesFixedRate.p99Ms} ms`,
    );
    return {
      eventsPerSecond,
      batch: BATCH,
      single,
      fixedRate,
      hello: helloLoad,
      messages,
      messagesFixedRate,
      rate: RATE,
    };
  } finally {
    await Promise.all([hello.dispose(), ingest.dispose(), api.dispose()]);
    await s.dispose();
  }
}

if (import.meta.main) {
  const say = (l: string) => Deno.stdout.writeSync(new TextEncoder().encode(l + "\n"));
  say(JSON.stringify(await ingestBench(say), null, 2));
  Deno.exit(0);
}
