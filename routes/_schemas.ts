/**
 * The API's request parameters and answers as zod schemas: the OpenAPI document is generated
 * from them (`_openapi.ts`), and the route tests check every answer against them. Query
 * parameters are declared as the strings they arrive as; the handlers check them (400 naming
 * the field), and their descriptions say what is accepted.
 */
import { z } from "zod";
import { Order } from "../schemas/mod.ts";

/** Every error answer: `field` names the input at fault on a 400. */
export const ErrorBody = z.looseObject({
  error: z.string(),
  field: z.string().nullable().optional(),
}).describe("An error: 400 names the field at fault");

/** PostgreSQL numeric types (bigint, numeric) arrive as strings. */
const Num = z.union([z.number(), z.string()]);
const Time = z.string().describe("ISO 8601 date-time");

export const Text = z.string();
export const Document = z.looseObject({
  openapi: z.string(),
  paths: z.record(z.string(), z.any()),
});

const q = (description: string) => z.string().optional().describe(description);
export const PageQuery = z.object({
  limit: q("1 to 1000, default 50"),
  offset: q("rows to skip, default 0"),
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
