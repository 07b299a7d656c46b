/** Test wiring for the routes: PGlite in memory, the in-memory broker and a running writer. */
import { createTextWriter } from "../../actors/text/writer.ts";
import { createLogger, setLogLevel } from "../../lib/log.ts";
import { MemoryTrendCache } from "../../actors/trends/cache.ts";
import { migrate, PgliteDb } from "../../db/mod.ts";
import { OrderStore } from "../../actors/orders/store.ts";
import { TextMessageStore } from "../../actors/text/store.ts";
import { TrendStore } from "../../actors/trends/store.ts";
import { MemoryTransport } from "../../transport/mod.ts";
import { createApp } from "../../routes/mod.ts";
import { declaredAnswer } from "../../routes/_openapi.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiDeps } from "../../routes/deps.ts";
import { AlertStore, AnalyticsStore, FinanceAnalyzer } from "../../actors/finance/mod.ts";
import { RawEventStore } from "../../actors/finance/raw_store.ts";
import { LogDbWriter, LogReader } from "../../db/mod.ts";
import { bearer, testKeys } from "./api_key.ts";

setLogLevel("silent");

export interface TestAppOptions {
  /**
   * The bearer token `app.request()` adds when the request has no Authorization header
   * (default: the suite's admin key); `null`: none, to test authentication itself.
   */
  token?: string | null;
}

/**
 * `override` replaces parts of the real deps, e.g. an admin whose ping fails. The app knows the
 * suite's API keys (`api_key.ts`), and every route is mounted, the raw events and logs too.
 */
export async function testApp(
  override: (deps: ApiDeps) => Partial<ApiDeps> = () => ({}),
  options: TestAppOptions = {},
) {
  const db = await PgliteDb.open("memory://");
  await migrate(db);
  const store = new TextMessageStore(db);
  const transport = new MemoryTransport();
  const admin = await transport.admin();
  await admin.ensureTopics([{ topic: "text-messages", partitions: 3 }]);
  const producer = await transport.producer();
  const writer = createTextWriter({ store, producer, logger: createLogger("test"), flushMs: 1 })
    .start();
  const consumer = transport.consumer({
    groupId: "text-writers",
    topics: ["text-messages"],
    target: writer,
  });
  await consumer.start();
  const rawEvents = new RawEventStore(db, 30, 1);
  await rawEvents.ensureSchema();
  await new LogDbWriter(db).prepare(); // the log tables, for `/logs`
  const deps: ApiDeps = {
    texts: store,
    db,
    producer,
    admin,
    children: () => [],
    restarts: () => 0,
    textTopic: "text-messages",
    textGroup: "text-writers",
    orders: new OrderStore(db),
    firehose: () => null,
    trends: new TrendStore(db),
    trendCache: new MemoryTrendCache(),
    orderTopic: "food-orders",
    orderGroup: "order-processors",
    consumerGroups: [
      { group: "text-writers", topic: "text-messages" },
      { group: "order-processors", topic: "food-orders" },
    ],
    waitTimeoutMs: 5_000,
    runtime: { transport: "memory", database: "pglite" },
    finance: {
      store: new AnalyticsStore(db),
      alerts: new AlertStore(db),
      analyzer: new FinanceAnalyzer(),
    },
    rawEvents,
    logs: new LogReader(db),
    auth: { keys: testKeys(), authReads: false, corsOrigins: [] },
  };
  const token = options.token === undefined ? bearer().authorization : options.token;
  return {
    app: withToken(conforming(createApp({ ...deps, ...override(deps) })), token),
    store,
    deps,
    transport,
    async close() {
      await consumer.stop();
      await writer.stop();
      await transport.close();
      await db.close();
    },
  };
}

/** `app` whose `request()` adds `authorization` to requests that have none. */
function withToken(app: OpenAPIHono, authorization: string | null): OpenAPIHono {
  if (authorization === null) return app;
  const request = app.request;
  app.request = ((input: RequestInfo | URL, init?: RequestInit, ...rest: unknown[]) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}));
    if (!headers.has("authorization")) headers.set("authorization", authorization);
    return (request as (...a: unknown[]) => Promise<Response>)(
      input,
      { ...init, headers },
      ...rest,
    );
  }) as typeof app.request;
  return app;
}

/**
 * `app` whose `request()` checks every answer of a route against the OpenAPI document: the
 * status is declared, and a JSON body parses with the declared schema. Every route test thereby
 * checks the document.
 */
export function conforming(app: OpenAPIHono): OpenAPIHono {
  const request = app.request;
  app.request = (async (input: RequestInfo | URL, init?: RequestInit, ...rest: unknown[]) => {
    const res = await (request as (...a: unknown[]) => Promise<Response>)(input, init, ...rest);
    const req = input instanceof Request ? input : new Request(new URL(String(input), "http://x"));
    const method = init?.method ?? req.method;
    const path = new URL(req.url).pathname;
    const answer = declaredAnswer(app, method, path, res.status);
    if (answer === null) return res; // no route: the 404 of notFound
    // Hono's paths are strict (`/events/` is not `/events`): its notFound is no route's answer.
    if (res.status === 404 && /^\{"error":"no route for /.test(await res.clone().text())) {
      return res;
    }
    if (!answer.declared) throw new Error(`${method} ${path}: status ${res.status} not declared`);
    if (answer.schema && res.headers.get("content-type")?.includes("json")) {
      const parsed = answer.schema.safeParse(await res.clone().json());
      if (!parsed.success) {
        throw new Error(
          `${method} ${path} ${res.status} does not match the OpenAPI document: ${parsed.error}`,
        );
      }
    }
    return res;
  }) as typeof app.request;
  return app;
}
