/**
 * The HTTP API (Hono). Routes get their dependencies as interfaces (`ApiDeps`) and never touch
 * a broker client or a driver; one `onError` turns typed errors into JSON responses.
 */
import { Hono } from "hono";
import { onError } from "./_http.ts";
import { healthRoutes } from "./health.ts";
import { messageRoutes } from "./text.ts";
import { orderRoutes } from "./orders.ts";
import { statsRoutes } from "./stats.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { trendRoutes } from "./trends.ts";
import type { ApiDeps } from "./deps.ts";

export type { ApiDeps } from "./deps.ts";

export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.route("/", healthRoutes(deps));
  app.route("/", messageRoutes(deps));
  app.route("/", orderRoutes(deps));
  app.route("/", statsRoutes(deps));
  app.route("/", trendRoutes(deps));
  app.route("/", dashboardRoutes());
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError);
  return app;
}
