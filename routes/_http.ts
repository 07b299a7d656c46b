/**
 * What every route module shares: the one error handler (typed errors become JSON responses
 * with the right status), broker failures marked as such, and query and body parsing that
 * answers 400 naming the field.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { SluiceError, UpstreamError, ValidationError } from "../lib/errors.ts";
import { rootLogger } from "../lib/log.ts";

const log = rootLogger.child("api");

export function onError(err: Error, c: Context): Response {
  // Set by the request-id middleware where a server uses it (the ingest role's).
  const request_id = (c.var as Record<string, unknown>).requestId;
  if (err instanceof ValidationError) {
    return c.json({ error: err.message, field: err.field ?? null }, 400);
  }
  if (err instanceof HTTPException) {
    // Middleware such as bearer-auth answer with their own response (WWW-Authenticate...).
    if (err.res) return err.getResponse();
    return c.json({ error: err.message }, err.status);
  }
  if (err instanceof SluiceError && err.retriable) {
    log.warn("upstream unavailable", { path: c.req.path, request_id, err });
    return c.json({ error: err.message }, 503);
  }
  log.error("request failed", { path: c.req.path, request_id, err });
  return c.json({ error: "internal error" }, 500);
}

/**
 * Marks a failure of `deps.admin` as the broker's: a Kafka client error that is not already a
 * SluiceError becomes a retriable UpstreamError (503). Programmer errors stay 500.
 */
export function fromBroker<T>(action: string, call: Promise<T>): Promise<T> {
  return call.catch((err: unknown) => {
    if (err instanceof SluiceError || err instanceof TypeError || err instanceof RangeError) {
      throw err;
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw new UpstreamError("BROKER_UNAVAILABLE", `${action} failed: ${detail}`, { cause: err });
  });
}

/** An optional non-negative integer query parameter, bounded; 400 naming it otherwise. */
export function intParam(raw: string | undefined, name: string, def: number, max: number): number {
  if (raw === undefined || raw === "") return def;
  if (!/^\d+$/.test(raw)) {
    throw new ValidationError(`${name}: must be a non-negative integer`, { field: name });
  }
  const n = Number(raw);
  if (n > max) throw new ValidationError(`${name}: must be at most ${max}`, { field: name });
  return n;
}

/** `limit` (1 to `max`, default 50) and `offset` (≥ 0, default 0) of a paged list. */
export function pageParams(
  query: (name: string) => string | undefined,
  max = 1_000,
): { limit: number; offset: number } {
  const limit = intParam(query("limit"), "limit", 50, max);
  const offset = intParam(query("offset"), "offset", 0, Number.MAX_SAFE_INTEGER);
  if (limit === 0) throw new ValidationError("limit: must be at least 1", { field: "limit" });
  return { limit, offset };
}

/** The request body as JSON; 400 naming `body` when it is not JSON. */
export async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new ValidationError("body: must be valid JSON", { field: "body" });
  }
}
