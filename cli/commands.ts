/**
 * The CLI's read commands, one per route family: the request each sends and how its answer
 * reads as a table. `--format json` prints the answer as the server sent it; `--format ndjson`
 * one line per row of a list answer (`rows`), else the answer on one line.
 */
import { keyValues, table } from "./format.ts";
import { statsText } from "./stats.ts";

type Rec = Record<string, unknown>;

/** The command-line flags a read command may turn into query parameters. */
export interface Flags {
  limit?: string;
  offset?: string;
  customer?: string;
  since?: string;
  source?: string;
  bucket?: string;
  level?: string;
  component?: string;
}

export interface ReadCommand {
  /** Its lines in the usage text. */
  usage: string;
  /** The path and query of its request; `one(name)` is its single positional argument. */
  path: (flags: Flags, arg: (name: string) => string, args: string[]) => string;
  /** The rows of a list answer. */
  rows?: (b: Rec) => Rec[];
  table: (b: Rec) => string;
  /** `--watch` repeats it. */
  watch?: boolean;
}

/** `?limit=..&offset=..` from the flags that are set, under the API's parameter names. */
function query(flags: Flags, names: Partial<Record<keyof Flags, string>>): string {
  const q = new URLSearchParams();
  for (const [flag, param] of Object.entries(names)) {
    const v = flags[flag as keyof Flags];
    if (v !== undefined && v !== "") q.set(param, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

const paged = { limit: "limit", offset: "offset" } as const;
const enc = encodeURIComponent;
const list = (key: string) => (b: Rec) => (b[key] ?? []) as Rec[];

/** The list in an answer whose shape another team owns: `items`, else the first array. */
function anyList(b: Rec): Rec[] {
  if (Array.isArray(b)) return b as Rec[];
  const arr = Array.isArray(b.items) ? b.items : Object.values(b).find(Array.isArray);
  return (arr ?? []) as Rec[];
}

/** Every key of the rows, in first-seen order, at most `max`. */
function columnsOf(rows: Rec[], max = 8): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, max);
}

const TREND_COLUMNS = ["rank", "keyword", "count", "uniqueAuthors", "zScore", "velocity"];

export const READ_COMMANDS: Record<string, ReadCommand> = {
  health: {
    usage: "health                     liveness and supervised children",
    path: () => "/health",
    rows: list("children"),
    table: (b) =>
      `status: ${b.status}  uptime: ${b.uptimeS}s  runtime: ${JSON.stringify(b.runtime)}\n\n` +
      table(b.children as Rec[], ["id", "status", "restarts", "lastError", "since"]),
  },
  stats: {
    usage: "stats [--watch [S]]        every pipeline's rows, consumer lag and counters",
    path: () => "/stats",
    table: statsText,
    watch: true,
  },
  list: {
    usage:
      "list [--limit N] [--offset N]\n                             stored messages, newest first",
    path: (f) => `/messages${query(f, paged)}`,
    rows: list("items"),
    table: (b) => table(list("items")(b), ["id", "message", "created_at"]),
  },
  get: {
    usage: "get <id>                   one message",
    path: (_f, arg) => `/messages/${enc(arg("<id>"))}`,
    table: (b) => keyValues(b),
  },
  orders: {
    usage: "orders [--limit N] [--offset N] [--customer CUST-XXXXX]\n" +
      "                             stored food orders, newest first",
    path: (f) => `/orders${query(f, { ...paged, customer: "customer_id" })}`,
    rows: list("items"),
    table: (b) =>
      table(
        list("items")(b).map((o) => ({ ...o, lines: (o.items as unknown[]).length })),
        ["order_id", "customer_id", "lines", "total_amount", "status", "created_at"],
      ),
  },
  order: {
    usage: "order <order_id>           one food order",
    path: (_f, arg) => `/orders/${enc(arg("<order_id>"))}`,
    table: ({ items, ...head }) =>
      keyValues(head) + "\n\n" + table(items as Rec[], ["item_id", "name", "price", "quantity"]),
  },
  trends: {
    usage: "trends [<keyword>] [--limit N] [--watch [S]]\n" +
      "                             the latest window's trends, or one keyword's history",
    path: (f, _arg, args) =>
      args.length
        ? `/trends/${enc(args.join(" "))}${query(f, { limit: "limit" })}`
        : `/trends${query(f, { limit: "limit" })}`,
    rows: (b) => (b.history ?? b.trends) as Rec[],
    table: (b) =>
      "history" in b
        ? `keyword: ${b.keyword}  trending: ${b.trending}` +
          (b.current ? `\n\n${table([b.current as Rec], TREND_COLUMNS)}` : "") +
          `\n\n${
            table(b.history as Rec[], ["window_end", "count", "unique_authors", "sentiment_mean"])
          }`
        : `window: ${b.windowStart ?? "-"} to ${b.windowEnd ?? "- (none closed yet)"}\n\n` +
          table(b.trends as Rec[], [...TREND_COLUMNS, "sentimentMean"]),
    watch: true,
  },
  alerts: {
    usage:
      "alerts [--since ISO] [--limit N]\n                             trend alerts, newest first",
    path: (f) => `/alerts${query(f, { since: "since", limit: "limit" })}`,
    rows: list("alerts"),
    table: (b) =>
      table(list("alerts")(b), [
        "window_end",
        "keyword",
        "kind",
        "rank",
        "count",
        "unique_authors",
        "z_score",
      ]),
  },
  sentiment: {
    usage: "sentiment [--source KEYWORD] [--bucket window|hour] [--limit N]\n" +
      "                             volume and mean sentiment over time",
    path: (f) => `/sentiment${query(f, { source: "source", bucket: "bucket", limit: "limit" })}`,
    rows: list("points"),
    table: (b) =>
      `source: ${b.source}  bucket: ${b.bucket}\n\n` +
      table(list("points")(b), ["bucket", "posts", "sentiment_mean"]),
  },
  events: {
    usage: "events [--limit N] [--offset N] [--source S] [--since ISO]\n" +
      "                             finance events, newest first",
    path: (f) => `/events${query(f, { ...paged, source: "source", since: "since" })}`,
    rows: anyList,
    table: (b) => table(anyList(b), columnsOf(anyList(b))),
  },
  event: {
    usage: "event <id>                 one finance event",
    path: (_f, arg) => `/events/${enc(arg("<id>"))}`,
    table: (b) => keyValues(b),
  },
  logs: {
    usage: "logs [--level L] [--component C] [--limit N]\n" +
      "                             recent lines of the log database, newest first",
    path: (f) => `/logs${query(f, { level: "level", component: "component", limit: "limit" })}`,
    rows: anyList,
    table: (b) => table(anyList(b), ["ts", "level", "component", "msg", "role"]),
  },
  errors: {
    usage: "errors                     error_summary: errors by component, category and code",
    path: () => "/logs/errors",
    rows: anyList,
    table: (b) =>
      table(anyList(b), ["component", "category", "code", "count", "first_seen", "last_seen"]),
  },
};
