/**
 * The finance pipeline's routes: `POST /webhooks/<source>` (signed provider deliveries, one event
 * or an array) and `GET /events`, `GET /events/:id` (the raw store). `ingestApp` is the ingest
 * role's own server: request ids, CORS (allow-list), body limit, signatures and rate limits in
 * that order, so only authenticated deliveries count against a source's budget. It publishes
 * its own OpenAPI document at `/openapi.json` (and `/docs`).
 *
 * A delivery is answered 202 only once each of its events is stored and acknowledged by the
 * broker (`accepted`), or was already (`duplicate`); 400 names the field, 401 says which check
 * failed (never the secret), 413 over the body limit, 429 with Retry-After, 503 when the
 * database or the broker is away (nothing is kept half done; retry).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { getConnInfo } from "hono/deno";
import { requestId } from "hono/request-id";
import type { RequestIdVariables } from "hono/request-id";
import { ValidationError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { financeEvents, financeRefused } from "../lib/metrics.ts";
import { describeIssue, FinanceSource, ProviderPayload } from "../schemas/mod.ts";
import type { FinanceEvent } from "../schemas/mod.ts";
import type { IngestResult } from "../actors/finance/ingester.ts";
import { toFinanceEvent } from "../actors/finance/normalize.ts";
import type { RateLimits } from "../actors/finance/rate_limit.ts";
import type { RawEventStore } from "../actors/finance/raw_store.ts";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from "../actors/finance/signature.ts";
import { limitBody, onError } from "./_http.ts";
import type { ApiAuth } from "./_auth.ts";
import { corsFor, requireRead } from "./_auth.ts";
import { invalid, json, mountDocs, route } from "./_openapi.ts";
import { ErrorBody, IntParam, SafeText, Timestamp } from "./_schemas.ts";
import { RawEvent, RawEventList, WebhookAccepted } from "./_finance_schemas.ts";

export interface FinanceDeps {
  /** Stores and publishes; resolves once every event is acknowledged. */
  ingest: (events: FinanceEvent[]) => Promise<IngestResult[]>;
  /** One secret per source; a source without one refuses every delivery (401). */
  secrets: Partial<Record<FinanceSource, string>>;
  toleranceS: number;
  maxBodyBytes: number;
  /** Most events in one delivery. */
  maxEvents: number;
  limits: RateLimits;
  corsOrigins: string[];
  /** API keys for `GET /events` (reads, with API_AUTH_READS); webhooks use signatures only. */
  auth: ApiAuth;
  events: RawEventStore;
  logger: Logger;
}

type Env = { Variables: RequestIdVariables };
const utf8 = new TextDecoder("utf-8", { fatal: true });

function client(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests: no connection
  }
}

/** The body as JSON events (one or an array), each validated by its source's schema. */
function parseEvents(source: FinanceSource, raw: Uint8Array, deps: FinanceDeps, rid: string) {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
  } catch {
    throw new ValidationError("body: must be valid UTF-8 JSON", { field: "body" });
  }
  const batch = Array.isArray(json);
  const items = batch ? json as unknown[] : [json];
  if (items.length === 0) throw new ValidationError("body: has no event", { field: "body" });
  if (items.length > deps.maxEvents) {
    throw new ValidationError(`body: at most ${deps.maxEvents} events per delivery`, {
      field: "body",
    });
  }
  const stamp = { requestId: rid, receivedAt: new Date() };
  return items.map((item, i) => {
    const r = ProviderPayload[source].safeParse(item);
    if (!r.success) {
      const { field, message } = describeIssue(r.error);
      const at = batch ? (field === "body" ? `${i}` : `${i}.${field}`) : field;
      throw new ValidationError(batch ? `${at}: ${message.slice(field.length + 2)}` : message, {
        field: at,
      });
    }
    return toFinanceEvent(source, r.data, batch ? i : null, stamp);
  });
}

const tags = ["finance ingest"];

/** One provider event, or an array of them, in the source's own format. */
const Delivery = z.union([z.looseObject({}), z.array(z.looseObject({}))])
  .describe("one event or an array of events, in the source's format (see the README)");

export function webhookRoutes(deps: FinanceDeps): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>();
  const limit = limitBody(deps.maxBodyBytes);
  // Refusals are counted by status, whatever refused them (auth, limits, validation, upstream).
  app.use("/:source", async (c, next) => {
    await next();
    if (c.res.status >= 400) {
      const source = FinanceSource.safeParse(c.req.param("source")).data ?? "unknown";
      financeRefused.inc({ source, status: String(c.res.status) });
    }
  });
  route(app, {
    tags,
    method: "post",
    path: "/{source}",
    summary: "A provider's signed delivery (HMAC-SHA256 of `<timestamp>.<body>`; no API key)",
    middleware: [limit],
    request: {
      params: z.object({ source: SafeText(40).describe(FinanceSource.options.join(" | ")) }),
      headers: z.object({
        [TIMESTAMP_HEADER]: z.string().describe("unix seconds, within the tolerance"),
        [SIGNATURE_HEADER]: z.string().describe("sha256=<hex HMAC-SHA256(secret, ts.body)>"),
      }),
      body: { content: { "application/json": { schema: Delivery } }, required: true },
    },
    responses: {
      202: json(WebhookAccepted, "every event stored and acknowledged (or a duplicate)"),
      400: invalid,
      401: json(ErrorBody, "signature: which check failed (never the secret)"),
      404: json(ErrorBody, "no such source"),
      413: json(ErrorBody, "body over INGEST_MAX_BODY_BYTES"),
      429: json(ErrorBody, "rate limit reached (Retry-After)"),
    },
  }, async (c) => {
    const rid = c.get("requestId");
    const parsedSource = FinanceSource.safeParse(c.req.valid("param").source);
    if (!parsedSource.success) {
      return c.json({ error: `no webhook source ${c.req.valid("param").source}` }, 404);
    }
    const source = parsedSource.data;
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const secret = deps.secrets[source];
    const verdict = secret
      ? await verify(
        secret,
        raw,
        c.req.header(TIMESTAMP_HEADER),
        c.req.header(SIGNATURE_HEADER),
        deps.toleranceS,
      )
      : { ok: false as const, reason: `no secret is configured for ${source}` };
    if (!verdict.ok) {
      deps.logger.warn("webhook refused", { source, request_id: rid, reason: verdict.reason });
      return c.json({ error: `signature: ${verdict.reason}` }, 401);
    }
    const limited = await deps.limits.check(source, client(c));
    if (limited) {
      c.header("Retry-After", String(limited.retryAfterS));
      return c.json({ error: "rate limit reached", retry_after_s: limited.retryAfterS }, 429);
    }
    const events = parseEvents(source, raw, deps, rid);
    const results = await deps.ingest(events);
    for (const r of results) financeEvents.inc({ source, status: r.status });
    deps.logger.debug("webhook accepted", { source, request_id: rid, events: results.length });
    return c.json({ request_id: rid, events: results }, 202);
  });
  return app;
}

/** `GET /events?source=&symbol=&since=&limit=` and `GET /events/:id`, from the raw store. */
export function eventRoutes<E extends Env>(events: RawEventStore, auth: ApiAuth): OpenAPIHono<E> {
  const app = new OpenAPIHono<E>();
  const read = requireRead(auth);
  route(app, {
    tags,
    method: "get",
    path: "/",
    summary: "Raw finance events as ingested, newest first",
    middleware: [read],
    request: {
      query: z.object({
        source: z.string().refine(
          (s) => FinanceSource.safeParse(s).success,
          `must be one of ${FinanceSource.options.join(", ")}`,
        ).optional().describe(FinanceSource.options.join(" | ")),
        symbol: SafeText(40).optional().describe("a ticker (`$` and case ignored)"),
        since: Timestamp.optional(),
        limit: IntParam(50, 0, 1_000),
      }),
    },
    responses: { 200: json(RawEventList, "the events"), 400: invalid },
  }, async (c) => {
    const q = c.req.valid("query");
    const limit = Math.max(1, q.limit);
    const symbol = q.symbol?.trim().replace(/^\$/, "").toUpperCase() || undefined;
    const items = await events.list({ source: q.source, symbol, since: q.since, limit });
    return c.json({ items, limit });
  });
  route(app, {
    tags,
    method: "get",
    path: "/{id}",
    summary: "One raw event",
    middleware: [read],
    request: { params: z.object({ id: SafeText(300).describe("the event id") }) },
    responses: {
      200: json(RawEvent, "the event"),
      400: invalid,
      404: json(ErrorBody, "no such event"),
    },
  }, async (c) => {
    const { id } = c.req.valid("param");
    const row = await events.get(id);
    return row ? c.json(row) : c.json({ error: `event ${id} not found` }, 404);
  });
  return app;
}

/** The ingest role's server. */
export function ingestApp(deps: FinanceDeps): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>();
  app.use(requestId({ limitLength: 200 }));
  app.use(corsFor(deps.corsOrigins, [TIMESTAMP_HEADER, SIGNATURE_HEADER, "x-request-id"]));
  route(app, {
    tags,
    method: "get",
    path: "/health",
    summary: "The ingest server is up",
    responses: { 200: json(z.object({ status: z.literal("ok") }), "up") },
  }, (c) => c.json({ status: "ok" as const }));
  app.route("/webhooks", webhookRoutes(deps));
  app.route("/events", eventRoutes<Env>(deps.events, deps.auth));
  mountDocs(app, "Sluice ingest", "The finance ingest role's server: signed provider webhooks.");
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError);
  return app;
}
