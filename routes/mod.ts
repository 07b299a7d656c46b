/**
 * The HTTP API (Hono): the root app with the operational routes (`/health`, `/ready`, `/stats`,
 * `/metrics`), and one sub-app per pipeline mounted at its prefix (`text.ts`, `orders.ts`,
 * `trends.ts`, the finance raw events of `finance.ts`; its webhooks are the ingest role's own
 * server). Routes get their dependencies as interfaces (`ApiDeps`) and never touch a broker
 * client or a driver; one `onError` (`_http.ts`) turns typed errors into JSON responses. Every
 * route is declared with zod schemas: `/openapi.json` and `/docs` (`_openapi.ts`) come from them.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { deadline } from "../lib/deadline.ts";
import { errorMessage } from "../lib/errors.ts";
import { activeConditions } from "../lib/health.ts";
import { prometheus } from "@hono/prometheus";
import { registry } from "../lib/metrics.ts";
import { limitBody, onError } from "./_http.ts";
import { corsFor, NO_AUTH, requireRead } from "./_auth.ts";
import { metricsBody } from "./_metrics.ts";
import { json, mountDocs, route, text } from "./_openapi.ts";
import { Health, Ready, Stats, Text } from "./_schemas.ts";
import { stats } from "./_stats.ts";
import type { ApiDeps } from "./deps.ts";
import { eventRoutes } from "./finance.ts";
import { orderRoutes } from "./orders.ts";
import { textRoutes } from "./text.ts";
import { trendRoutes } from "./trends.ts";
import { financeAnalyticsRoutes } from "./finance_analytics.ts";
import { logRoutes } from "./logs.ts";

export type { ApiDeps } from "./deps.ts";
export type { ApiAuth } from "./_auth.ts";
export { NO_AUTH, NO_KEYS_MESSAGE } from "./_auth.ts";

const started = Date.now();
const CHECK_TIMEOUT_MS = 2_000;
/** API_MAX_BODY_BYTES's default: a 1,000,000-character text, JSON-escaped, fits. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

async function check(fn: () => Promise<unknown>): Promise<string> {
  try {
    await deadline(fn(), CHECK_TIMEOUT_MS);
    return "ok";
  } catch (err) {
    return errorMessage(err);
  }
}

/** HTTP request counts and durations by method, route and status, in the process's registry. */
const { registerMetrics } = prometheus({ registry });

const ops = { tags: ["operations"] };

/** Reads that stay open with API_AUTH_READS: probes, metrics, the documents and the pages. */
const PUBLIC_READS =
  /^\/(health|ready|metrics|openapi\.json|docs|dashboard|finance\/dashboard)(\/|$)/;

export function createApp(deps: ApiDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  const auth = deps.auth ?? NO_AUTH;
  app.use("*", registerMetrics);
  app.use("*", corsFor(auth.corsOrigins, []));
  // Bounds what a request can make the server buffer: a body is read whole before validation.
  app.use("*", limitBody(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  // Writes check their own scope (route middleware); reads need `read` with API_AUTH_READS.
  const read = requireRead(auth);
  app.use("*", async (c, next) => {
    const isRead = c.req.method === "GET" || c.req.method === "HEAD";
    if (!isRead || PUBLIC_READS.test(c.req.path)) return await next();
    return await read(c, next);
  });

  route(app, {
    ...ops,
    method: "get",
    path: "/health",
    summary: "Liveness, supervised children and active conditions",
    responses: { 200: json(Health, "alive; `degraded` when a child restarts or failed") },
  }, (c) => {
    const children = deps.children();
    const conditions = activeConditions();
    const degraded = conditions.length > 0 ||
      children.some((ch) => ch.status === "restarting" || ch.status === "failed");
    return c.json({
      status: degraded ? "degraded" : "ok",
      uptimeS: Math.round((Date.now() - started) / 1000),
      runtime: deps.runtime,
      children,
      conditions,
    });
  });
  route(app, {
    ...ops,
    method: "get",
    path: "/ready",
    summary: "The database and the broker answer, and no worker is held up",
    responses: { 200: json(Ready, "ready"), 503: json(Ready, "not ready, and why") },
  }, async (c) => {
    const [database, broker] = await Promise.all([
      check(() => deps.db.query("SELECT 1")),
      check(() => deps.admin.ping()),
    ]);
    // A worker that cannot make progress (e.g. holding orders while the database is down)
    // makes the process unready and says why.
    const conditions = activeConditions();
    const ready = database === "ok" && broker === "ok" && conditions.length === 0;
    return c.json({ ready, checks: { database, broker }, conditions }, ready ? 200 : 503);
  });
  route(app, {
    ...ops,
    method: "get",
    path: "/stats",
    summary: "Every pipeline's rows, consumer lag and counters",
    responses: { 200: json(Stats, "one record per pipeline") },
  }, async (c) => c.json(await stats(deps)));
  route(app, {
    ...ops,
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics (text exposition format)",
    responses: { 200: text("text/plain", Text, "the metrics") },
  }, async (c) => {
    c.header("content-type", registry.contentType);
    return c.body(await metricsBody(deps));
  });

  app.route("/messages", textRoutes(deps, auth));
  app.route("/orders", orderRoutes(deps));
  for (const [prefix, sub] of Object.entries(trendRoutes(deps))) app.route(prefix, sub);
  // Reads are checked above: the routes' own check is for the ingest role's server.
  if (deps.rawEvents) app.route("/events", eventRoutes(deps.rawEvents, NO_AUTH));

  mountDocs(app);
  if (deps.finance) app.route("/", financeAnalyticsRoutes(deps.finance, auth));
  if (deps.logs) app.route("/logs", logRoutes(deps.logs));

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError);
  return app;
}
