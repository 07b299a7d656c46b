/**
 * The HTTP API (Hono): the root app with the operational routes (`/health`, `/ready`, `/stats`,
 * `/metrics`), and one sub-app per pipeline mounted at its prefix (`text.ts`, `orders.ts`,
 * `trends.ts`). Routes get their dependencies as interfaces (`ApiDeps`) and never touch a broker
 * client or a driver; one `onError` (`_http.ts`) turns typed errors into JSON responses.
 */
import { Hono } from "hono";
import { deadline } from "../lib/deadline.ts";
import { errorMessage } from "../lib/errors.ts";
import { activeConditions } from "../lib/health.ts";
import { registry } from "../lib/metrics.ts";
import { onError } from "./_http.ts";
import { stats } from "./_stats.ts";
import type { ApiDeps } from "./deps.ts";
import { orderRoutes } from "./orders.ts";
import { textRoutes } from "./text.ts";
import { trendRoutes } from "./trends.ts";
import { financeAnalyticsRoutes } from "./finance_analytics.ts";
import { logRoutes } from "./logs.ts";

export type { ApiDeps } from "./deps.ts";

const started = Date.now();
const CHECK_TIMEOUT_MS = 2_000;

async function check(fn: () => Promise<unknown>): Promise<string> {
  try {
    await deadline(fn(), CHECK_TIMEOUT_MS);
    return "ok";
  } catch (err) {
    return errorMessage(err);
  }
}

export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();

  // Liveness and child states.
  app.get("/health", (c) => {
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
  // The database and the broker answer, and no worker is held up.
  app.get("/ready", async (c) => {
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
  app.get("/stats", async (c) => c.json(await stats(deps)));
  app.get("/metrics", async (c) => {
    c.header("content-type", registry.contentType);
    return c.body(await registry.metrics());
  });

  app.route("/messages", textRoutes(deps));
  app.route("/orders", orderRoutes(deps));
  for (const [prefix, sub] of Object.entries(trendRoutes(deps))) app.route(prefix, sub);
  if (deps.finance) app.route("/", financeAnalyticsRoutes(deps.finance));
  if (deps.logs) app.route("/logs", logRoutes(deps.logs));

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError);
  return app;
}
