/**
 * What the HTTP API needs from the rest of the process, as plain interfaces: routes never
 * touch a broker client or a driver directly, so tests can hand them in-memory parts.
 */
import type { FirehoseStatus } from "../actors/social/firehose.ts";
import type { AnalyticsStore } from "../actors/finance/analytics_store.ts";
import type { FinanceAnalyzer } from "../actors/finance/analyze.ts";
import type { AlertStore } from "../actors/finance/alert_store.ts";
import type { ChildState } from "../runtime/supervisor.ts";
import type { OrderStore } from "../actors/orders/store.ts";
import type { LogReader, Queryable } from "../db/mod.ts";
import type { TextMessageStore } from "../actors/text/store.ts";
import type { TrendCache } from "../actors/trends/cache.ts";
import type { TrendStore } from "../actors/trends/store.ts";
import type { RawEventStore } from "../actors/finance/raw_store.ts";
import type { Admin, Producer } from "../transport/mod.ts";
import type { ApiAuth } from "./_auth.ts";

/** The sentiment role's analytics and the on-demand analyzer. */
export interface FinanceApi {
  store: AnalyticsStore;
  alerts: AlertStore;
  analyzer: Pick<FinanceAnalyzer, "defaultBackend" | "analyze">;
}

export interface ApiDeps {
  texts: TextMessageStore;
  /** Used by `/ready` (a `SELECT 1`). */
  db: Queryable;
  /** Publishes `POST /messages` to the topic: there is one write path. */
  producer: Producer;
  admin: Admin;
  /** Supervised children of this process and their states. */
  children: () => ChildState[];
  /** Restarts counted by this process's supervisors. */
  restarts: () => number;
  textTopic: string;
  textGroup: string;
  /** How long `POST /messages?wait=true` waits for the row. */
  waitTimeoutMs: number;
  orders: OrderStore;
  /** The firehose reader of this process, when it runs one. */
  firehose: () => FirehoseStatus | null;
  orderTopic: string;
  orderGroup: string;
  /** Every consumer group with its topic: lag in `/metrics` and `/stats`. */
  consumerGroups: Array<{ group: string; topic: string }>;
  /** Windows and alerts in PostgreSQL. */
  trends: TrendStore;
  /** Current trends, answered without touching PostgreSQL. */
  trendCache: TrendCache;
  /** The finance raw store, for `GET /events` (absent: no such routes). */
  rawEvents?: RawEventStore;
  /** Which transport and database this process runs on (for `/health`). */
  runtime: { transport: string; database: string };
  /** `POST /analyze` and `/finance/...`; absent, those routes are not mounted. */
  finance?: FinanceApi;
  /** `/logs`; absent (no LOG_DATABASE_URL), not mounted. */
  logs?: LogReader;
  /** API keys, whether reads need one, CORS origins (`NO_AUTH`: no keys, reads open, no CORS). */
  auth: ApiAuth;
  /** A request body over this many bytes is refused (413) before it is read. Default 8 MiB. */
  maxBodyBytes?: number;
}
