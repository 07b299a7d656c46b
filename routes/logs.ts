/**
 * `/logs`: the log database (LOG_DATABASE_URL) read back: recent lines by level, component and
 * time, and `/logs/errors` (`error_summary`). Mounted only when the process has a log database.
 */
import { Hono } from "hono";
import { ValidationError } from "../lib/errors.ts";
import type { LogReader } from "../db/log_reader.ts";
import { intParam } from "./_http.ts";

const LEVELS = ["debug", "info", "warn", "error", "fatal"];

export function logRoutes(logs: LogReader): Hono {
  const app = new Hono();

  app.get("/", async (c) => {
    const level = c.req.query("level") || undefined;
    if (level !== undefined && !LEVELS.includes(level)) {
      throw new ValidationError(`level: must be one of ${LEVELS.join(", ")}`, { field: "level" });
    }
    const rawSince = c.req.query("since");
    const since = rawSince ? new Date(rawSince) : undefined;
    if (since && Number.isNaN(since.getTime())) {
      throw new ValidationError("since: must be an ISO 8601 date", { field: "since" });
    }
    const limit = intParam(c.req.query("limit"), "limit", 100, 1_000);
    const component = c.req.query("component") || undefined;
    return c.json({ lines: await logs.lines({ level, component, since, limit }) });
  });

  app.get("/errors", async (c) => {
    const limit = intParam(c.req.query("limit"), "limit", 100, 1_000);
    return c.json({ errors: await logs.errors(limit) });
  });

  return app;
}
