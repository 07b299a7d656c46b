/**
 * The finance pipeline's routes: `POST /webhooks/<source>` (signed provider deliveries, one event
 * or an array) and `GET /events`, `GET /events/:id` (the raw store). `ingestApp` is the ingest
 * role's own server: request ids, CORS, body limit, signatures and rate limits in that order, so
 * only authenticated deliveries count against a source's budget.
 *
 * A delivery is answered 202 only once each of its events is stored and acknowledged by the
 * broker (`accepted`), or was already (`duplicate`); 400 names the field, 401 says which check
 * failed (never the secret), 413 over the body limit, 429 with Retry-After, 503 when the
 * database or the broker is away (nothing is kept half done; retry).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
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
import { intParam, onError } from "./_http.ts";

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

export function webhookRoutes(deps: FinanceDeps): Hono<Env> {
  const app = new Hono<Env>();
  const limit = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: (c) => c.json({ error: `body: larger than ${deps.maxBodyBytes} bytes` }, 413),
  });
  // Refusals are counted by status, whatever refused them (auth, limits, validation, upstream).
  app.use("/:source", async (c, next) => {
    await next();
    if (c.res.status >= 400) {
      const source = FinanceSource.safeParse(c.req.param("source")).data ?? "unknown";
      financeRefused.inc({ source, status: String(c.res.status) });
    }
  });
  app.post("/:source", limit, async (c) => {
    const rid = c.get("requestId");
    const parsedSource = FinanceSource.safeParse(c.req.param("source"));
    if (!parsedSource.success) {
      return c.json({ error: `no webhook source ${c.req.param("source")}` }, 404);
    }
    const source = parsedSource.data;
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const secret = deps.secrets[source];
    const verdict = secret
      ? verify(
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
export function eventRoutes(events: RawEventStore): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const source = c.req.query("source");
    if (source !== undefined && !FinanceSource.safeParse(source).success) {
      throw new ValidationError(`source: must be one of ${FinanceSource.options.join(", ")}`, {
        field: "source",
      });
    }
    const sinceRaw = c.req.query("since");
    const since = sinceRaw === undefined ? undefined : new Date(sinceRaw);
    if (since && Number.isNaN(since.getTime())) {
      throw new ValidationError("since: must be an ISO 8601 time", { field: "since" });
    }
    const limit = Math.max(1, intParam(c.req.query("limit"), "limit", 50, 1_000));
    const symbol = c.req.query("symbol")?.trim().replace(/^\$/, "").toUpperCase() || undefined;
    const items = await events.list({ source, symbol, since, limit });
    return c.json({ items, limit });
  });
  app.get("/:id", async (c) => {
    const row = await events.get(c.req.param("id"));
    return row ? c.json(row) : c.json({ error: `event ${c.req.param("id")} not found` }, 404);
  });
  return app;
}

/** The ingest role's server. */
export function ingestApp(deps: FinanceDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use(requestId({ limitLength: 200 }));
  app.use(cors({
    origin: deps.corsOrigins.includes("*") ? "*" : deps.corsOrigins,
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["content-type", TIMESTAMP_HEADER, SIGNATURE_HEADER, "x-request-id"],
    exposeHeaders: ["x-request-id", "retry-after"],
    maxAge: 600,
  }));
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.route("/webhooks", webhookRoutes(deps));
  app.route("/events", eventRoutes(deps.events));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError);
  return app;
}
