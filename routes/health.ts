/** `GET /health` (liveness and child states) and `GET /ready` (database and broker answer). */
import { Hono } from "hono";
import { deadline } from "../lib/deadline.ts";
import { errorMessage } from "../lib/errors.ts";
import { activeConditions } from "../lib/health.ts";
import type { ApiDeps } from "./deps.ts";

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

export function healthRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
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
  return app;
}
