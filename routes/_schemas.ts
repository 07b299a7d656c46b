/**
 * The API's request parameters and answers as zod schemas: the OpenAPI document is generated
 * from them (`_openapi.ts`), and the route tests check every answer against them. Path and
 * query parameters are declared as the strings they arrive as, refined and transformed by the
 * pieces at the end of this file; `route()` parses them before the handler runs (400 naming
 * the parameter) and the handler reads the result with `c.req.valid()`.
 */
import { z } from "zod";
import { Order, storable } from "../schemas/mod.ts";

/** Every error answer: `field` names the input at fault on a 400. */
export const ErrorBody = z.looseObject({
  error: z.string(),
  field: z.string().nullable().optional(),
}).describe("An error: 400 names the field at fault");

/** PostgreSQL numeric types (bigint, numeric) arrive as strings. */
export const Num = z.union([z.number(), z.string()]);
export const Time = z.string().describe("ISO 8601 date-time");

export const Text = z.string();
export const Document = z.looseObject({
  openapi: z.string(),
  paths: z.record(z.string(), z.any()),
});

export const ChildState = z.object({
  id: z.string(),
  status: z.string(),
  restarts: z.number(),
  lastError: z.string().nullable(),
  since: z.string(),
});

export const Health = z.object({
  status: z.enum(["ok", "degraded"]),
  uptimeS: z.number(),
  runtime: z.object({ transport: z.string(), database: z.string() }),
  children: z.array(ChildState),
  conditions: z.array(z.unknown()),
});

export const Ready = z.object({
  ready: z.boolean(),
  checks: z.object({ database: z.string(), broker: z.string() }),
  conditions: z.array(z.unknown()),
});

export const Stats = z.record(z.string(), z.unknown())
  .describe("Every pipeline's rows, consumer lag and counters; one record per pipeline");

export const TextRow = z.object({
  id: z.string(),
  message: z.string(),
  created_at: Time,
  processed_at: Time,
});
export const TextList = z.object({
  items: z.array(TextRow),
  limit: z.number(),
  offset: z.number(),
});
export const Accepted = z.looseObject({ id: z.string(), status: z.literal("accepted") });
export const Stored = z.object({ id: z.string(), status: z.literal("stored"), message: TextRow });

export const OrderRow = z.object({
  order_id: z.string(),
  customer_id: z.string(),
  items: Order.shape.items,
  total_amount: Num,
  status: z.string(),
  created_at: Time,
  processed_at: Time,
});
export const OrderList = z.object({
  items: z.array(OrderRow),
  limit: z.number(),
  offset: z.number(),
  customer_id: z.string().nullable(),
});

export const Trend = z.object({
  keyword: z.string(),
  windowStart: z.number(),
  windowEnd: z.number(),
  count: z.number(),
  uniqueAuthors: z.number(),
  zScore: z.number(),
  velocity: z.number(),
  rank: z.number(),
  sentimentMean: z.number(),
  sampleUris: z.array(z.string()),
});
export const TrendList = z.object({
  windowStart: Time.nullable(),
  windowEnd: Time.nullable(),
  trends: z.array(Trend),
});
export const KeywordTrend = z.object({
  keyword: z.string(),
  trending: z.boolean(),
  current: Trend.nullable(),
  history: z.array(z.object({
    window_start: Time,
    window_end: Time,
    count: Num,
    unique_authors: Num,
    sentiment_mean: Num,
  })),
});
export const AlertList = z.object({
  since: Time,
  alerts: z.array(z.looseObject({
    keyword: z.string(),
    window_end: Time,
    kind: z.string(),
    rank: Num,
    count: Num,
    unique_authors: Num,
    z_score: Num,
  })),
});
export const SentimentSeries = z.object({
  source: z.string(),
  bucket: z.enum(["window", "hour"]),
  points: z.array(z.object({ bucket: Time, posts: Num, sentiment_mean: Num })),
});

// ---- Request pieces: every path and query parameter goes through one of these (`route()`
// checks them before the handler runs; a failure is a 400 naming the parameter).

/**
 * Text a parameter may carry into PostgreSQL: no NUL (PostgreSQL text cannot hold it), no
 * unpaired surrogate (not encodable as UTF-8), at most `max` characters.
 */
export const SafeText = (max = 200) =>
  storable(z.string().max(max, `must be at most ${max} characters`));

/**
 * A bounded integer query parameter as it arrives (digits only): absent or empty gives `def`;
 * a sign, an exponent, or a value outside [min, max] is refused.
 */
export const IntParam = (def: number, min: number, max: number) =>
  z.string()
    .regex(/^\d*$/, "must be a non-negative integer")
    .optional()
    .transform((v) => (v === undefined || v === "" ? def : Number(v)))
    .pipe(
      z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
    )
    .describe(`${min} to ${max}, default ${def}`);

/** PostgreSQL's timestamptz reaches far wider; four-digit years are what ISO 8601 and JS agree on. */
const MIN_TIME = Date.parse("0001-01-01T00:00:00Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** An ISO 8601 date or date-time within years 0001 to 9999, as a `Date`. */
export const Timestamp = z.string()
  .regex(ISO_TIME, "must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z")
  .transform((s) => new Date(s))
  .refine(
    (d) => !Number.isNaN(d.getTime()) && d.getTime() >= MIN_TIME && d.getTime() <= MAX_TIME,
    "must be a valid date between 0001-01-01 and 9999-12-31",
  )
  .describe("ISO 8601 date-time (years 0001 to 9999)");

/** `limit` and `offset` of a paged list. */
export const PageQuery = z.object({
  limit: IntParam(50, 1, 1_000),
  offset: IntParam(0, 0, Number.MAX_SAFE_INTEGER),
});

/** An optional choice among `values` (empty counts as absent), as a query parameter. */
export const Choice = <const T extends readonly string[]>(values: T, description: string) =>
  z.string()
    .refine((v) => v === "" || values.includes(v), `must be one of ${values.join(", ")}`)
    .optional()
    .transform((v) => (v ? v as T[number] : undefined))
    .describe(`${values.join(" | ")}; ${description}`);
