/**
 * `/logs`: the log database (LOG_DATABASE_URL) read back: recent lines by level, component and
 * time, and `/logs/errors` (`error_summary`). Mounted only when the process has a log database.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { LogReader } from "../db/log_reader.ts";
import { invalid, json, route } from "./_openapi.ts";
import { Choice, IntParam, SafeText, Timestamp } from "./_schemas.ts";
import { LogErrors, LogLines } from "./_finance_schemas.ts";

const LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;
const tags = ["operations"];

export function logRoutes(logs: LogReader): OpenAPIHono {
  const app = new OpenAPIHono();

  route(app, {
    tags,
    method: "get",
    path: "/",
    summary: "Recent log lines, newest first",
    request: {
      query: z.object({
        level: Choice(LEVELS, "this level and above"),
        component: SafeText(200).optional().describe("a logger's name, e.g. api"),
        since: Timestamp.optional(),
        limit: IntParam(100, 0, 1_000),
      }),
    },
    responses: { 200: json(LogLines, "the lines"), 400: invalid },
  }, async (c) => {
    const q = c.req.valid("query");
    return c.json({
      lines: await logs.lines({
        level: q.level,
        component: q.component || undefined,
        since: q.since,
        limit: q.limit,
      }),
    });
  });

  route(app, {
    tags,
    method: "get",
    path: "/errors",
    summary: "Errors by component, category and code (error_summary)",
    request: { query: z.object({ limit: IntParam(100, 0, 1_000) }) },
    responses: { 200: json(LogErrors, "one row per kind of error"), 400: invalid },
  }, async (c) => {
    const { limit } = c.req.valid("query");
    return c.json({ errors: await logs.errors(limit) });
  });

  return app;
}
