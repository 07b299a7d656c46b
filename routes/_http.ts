/**
 * What every route module shares: the one error handler (typed errors become JSON responses
 * with the right status), broker failures marked as such, and body parsing that answers 400
 * naming the field (parameters go through `_validate.ts`).
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { SluiceError, UpstreamError, ValidationError } from "../lib/errors.ts";
import { rootLogger } from "../lib/log.ts";

/**
 * Refuses a body over `maxBytes` with 413 naming the limit, before it is read. A request that
 * declares its length is judged by its `content-length` alone (the server ends the body there)
 * without touching the body: Hono's `bodyLimit` reads `req.body` first, which builds the body's
 * ReadableStream before the handler reads it, and at 5,000 webhook deliveries a second those
 * streams were the largest share of what reached V8's old generation. A body without a declared
 * length (chunked) goes through `bodyLimit`, which counts it as it streams.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = (c: Context) =>
    c.json({ error: `body: larger than ${maxBytes} bytes`, field: "body" }, 413);
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    const declared = c.req.header("content-length");
    if (declared === undefined || c.req.header("transfer-encoding") !== undefined) {
      return streamed(c, next);
    }
    return Number(declared) > maxBytes ? Promise.resolve(tooLarge(c)) : next();
  };
}

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
  if (err instanceof SluiceError && err.code === "RECORD_TOO_LARGE") {
    // The broker's limit on one record (`max.message.bytes`), below the HTTP body bound.
    return c.json({ error: err.message, field: "body" }, 413);
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

/** The request body as JSON; 400 naming `body` when it is not JSON. */
export async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new ValidationError("body: must be valid JSON", { field: "body" });
  }
}
