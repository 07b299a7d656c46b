/**
 * The command-line client of the HTTP API: `main.ts cli <command> [options]`.
 * Exit codes: 0 success; 1 the server answered with an error (or the input file could not be
 * read, or send-file had failures); 2 usage error; 3 no answer: the API could not be reached
 * or did not answer within the timeout.
 */
import { parseArgs } from "node:util";
import { NoAnswer, request } from "./_http.ts";
import { keyValues, table } from "./format.ts";
import type { Format } from "./format.ts";
import { sendFile } from "./send_file.ts";
import { statsText } from "./stats.ts";

/** Seconds a request may take when neither --timeout nor SLUICE_CLI_TIMEOUT_S says. */
export const DEFAULT_TIMEOUT_S = 10;

export const USAGE =
  `usage: sluice cli [--url URL] [--format json|pretty] [--timeout SECONDS] <command>

commands:
  health                     liveness and supervised children
  list [--limit N] [--offset N]
                             stored messages, newest first
  get <id>                   one message
  create <text> [--id ID] [--wait]
                             publish a message (--wait: until stored)
  stats                      every pipeline's rows, consumer lag and counters
  send-file <path>           one message per line, with progress and a summary
  orders [--limit N] [--offset N] [--customer CUST-XXXXX]
                             stored food orders, newest first
  order <order_id>           one food order
  logs [--level L] [--component C] [--limit N]
                             recent lines of the log database, newest first
  errors                     error_summary: errors by component, category and code
  analyze <text> [--backend local|ollama]
                             finance sentiment, entities and asset class of a text

options:
  --url URL                  API address (default $SLUICE_URL or http://127.0.0.1:8080)
  --format json|pretty       output format (default pretty)
  --timeout SECONDS          per request (default $SLUICE_CLI_TIMEOUT_S or ${DEFAULT_TIMEOUT_S};
                             twice that for create --wait, so the server's own wait answers)

exit codes: 0 ok, 1 the server answered with an error, 2 usage error, 3 no answer`;

const LOG_COLUMNS = ["ts", "level", "component", "msg", "role"];
const ERROR_COLUMNS = ["component", "category", "code", "count", "first_seen", "last_seen"];

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const enc = new TextEncoder();
const stdio: Io = {
  out: (l) => Deno.stdout.writeSync(enc.encode(l + "\n")),
  err: (l) => Deno.stderr.writeSync(enc.encode(l + "\n")),
};

/** Bad command line: the usage text follows, exit 2. */
class UsageError extends Error {}
/** The server answered with an error, or the input could not be read: exit 1. */
class CommandFailure extends Error {}

/** Failures are reported on one line with this prefix, so they stand out from any output. */
const PREFIX = "sluice cli: ";

/** A parsed JSON answer; an error status fails the command with the server's answer. */
async function call(
  url: string,
  path: string,
  timeoutMs: number,
  init: { method?: string; headers?: HeadersInit; body?: string } = {},
): Promise<Record<string, unknown>> {
  const res = await request(url + path, { ...init, timeoutMs });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = { raw: res.text };
  }
  if (!res.ok) throw new CommandFailure(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** `--timeout`, else `SLUICE_CLI_TIMEOUT_S`, in ms; `undefined` when neither is set. */
function timeoutOption(flag: string | undefined): number | undefined {
  const env = Deno.env.get("SLUICE_CLI_TIMEOUT_S");
  const [raw, name] = flag !== undefined ? [flag, "--timeout"] : [env, "SLUICE_CLI_TIMEOUT_S"];
  if (raw === undefined || (flag === undefined && raw.trim() === "")) return undefined;
  const s = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(s > 0) || s > 86_400) {
    throw new UsageError(`${name} must be a positive number of seconds (at most 86400)`);
  }
  return s * 1000;
}

/** The single positional argument of `cmd`, or a usage error naming it. */
function one(rest: string[], cmd: string, name: string): string {
  if (rest.length === 0) throw new UsageError(`${cmd} needs ${name}`);
  if (rest.length > 1) throw new UsageError(`${cmd} takes one ${name}, got ${rest.length}`);
  return rest[0];
}

/** The non-empty lines of a file; a file that cannot be read fails the command (exit 1). */
async function readLines(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split(/\r?\n/).filter((l) => l.trim() !== "");
  } catch (err) {
    throw new CommandFailure(
      `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export async function runCli(args: string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        format: { type: "string", default: "pretty" },
        limit: { type: "string" },
        offset: { type: "string" },
        id: { type: "string" },
        customer: { type: "string" },
        backend: { type: "string" },
        level: { type: "string" },
        component: { type: "string" },
        timeout: { type: "string" },
        wait: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals: [cmd, ...rest] } = parsed;
  if (v.help || cmd === "help") {
    io.out(USAGE);
    return 0;
  }
  if (cmd === undefined) {
    io.err(`a command is needed\n\n${USAGE}`);
    return 2;
  }
  const url = (v.url ?? Deno.env.get("SLUICE_URL") ?? "http://127.0.0.1:8080").replace(/\/$/, "");
  const format = v.format as Format;
  try {
    if (format !== "json" && format !== "pretty") {
      throw new UsageError("--format must be json or pretty");
    }
    const givenMs = timeoutOption(v.timeout);
    const timeoutMs = givenMs ?? DEFAULT_TIMEOUT_S * 1000;
    // `create --wait` is answered after the server's own wait (WAIT_TIMEOUT_MS, default 10 s).
    const waitTimeoutMs = givenMs ?? 2 * DEFAULT_TIMEOUT_S * 1000;
    for (const flag of ["limit", "offset"] as const) {
      const raw = v[flag];
      if (raw !== undefined && !/^\d+$/.test(raw)) {
        throw new UsageError(`--${flag} must be a non-negative integer`);
      }
    }
    const show = (body: unknown, pretty: () => string) =>
      io.out(format === "json" ? JSON.stringify(body, null, 2) : pretty());
    switch (cmd) {
      case "health": {
        const b = await call(url, "/health", timeoutMs);
        show(
          b,
          () =>
            `status: ${b.status}  uptime: ${b.uptimeS}s  runtime: ${
              JSON.stringify(b.runtime)
            }\n\n` +
            table(b.children as Array<Record<string, unknown>>, [
              "id",
              "status",
              "restarts",
              "lastError",
              "since",
            ]),
        );
        return 0;
      }
      case "list": {
        const q = new URLSearchParams();
        if (v.limit) q.set("limit", v.limit);
        if (v.offset) q.set("offset", v.offset);
        const b = await call(url, `/messages?${q}`, timeoutMs);
        show(
          b,
          () => table(b.items as Array<Record<string, unknown>>, ["id", "message", "created_at"]),
        );
        return 0;
      }
      case "get": {
        const target = one(rest, "get", "<id>");
        const b = await call(url, `/messages/${encodeURIComponent(target)}`, timeoutMs);
        show(b, () => keyValues(b));
        return 0;
      }
      case "create": {
        if (!rest[0]) throw new UsageError("create needs a <text>");
        const body = JSON.stringify({ text: rest.join(" "), ...(v.id ? { id: v.id } : {}) });
        const path = `/messages${v.wait ? "?wait=true" : ""}`;
        const b = await call(url, path, v.wait ? waitTimeoutMs : timeoutMs, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        show(b, () => keyValues(b));
        return 0;
      }
      case "stats": {
        const b = await call(url, "/stats", timeoutMs);
        show(b, () => statsText(b));
        return 0;
      }
      case "orders": {
        const q = new URLSearchParams();
        if (v.limit) q.set("limit", v.limit);
        if (v.offset) q.set("offset", v.offset);
        if (v.customer) q.set("customer_id", v.customer);
        const b = await call(url, `/orders?${q}`, timeoutMs);
        show(b, () =>
          table(
            (b.items as Array<Record<string, unknown>>).map((o) => ({
              ...o,
              lines: (o.items as unknown[]).length,
            })),
            ["order_id", "customer_id", "lines", "total_amount", "status", "created_at"],
          ));
        return 0;
      }
      case "order": {
        const target = one(rest, "order", "<order_id>");
        const b = await call(url, `/orders/${encodeURIComponent(target)}`, timeoutMs);
        show(b, () => {
          const { items, ...head } = b;
          return keyValues(head) + "\n\n" +
            table(items as Array<Record<string, unknown>>, [
              "item_id",
              "name",
              "price",
              "quantity",
            ]);
        });
        return 0;
      }
      case "logs": {
        const q = new URLSearchParams();
        if (v.level) q.set("level", v.level);
        if (v.component) q.set("component", v.component);
        if (v.limit) q.set("limit", v.limit);
        const b = await call(url, `/logs?${q}`, timeoutMs);
        show(b, () => table(b.lines as Array<Record<string, unknown>>, LOG_COLUMNS));
        return 0;
      }
      case "errors": {
        const b = await call(url, "/logs/errors", timeoutMs);
        show(b, () => table(b.errors as Array<Record<string, unknown>>, ERROR_COLUMNS));
        return 0;
      }
      case "analyze": {
        if (!rest[0]) throw new UsageError("analyze needs a <text>");
        const q = v.backend ? `?backend=${encodeURIComponent(v.backend)}` : "";
        const b = await call(url, `/analyze${q}`, timeoutMs, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ texts: [rest.join(" ")] }),
        });
        show(b, () => keyValues((b.results as Array<Record<string, unknown>>)[0]));
        return 0;
      }
      case "send-file": {
        const target = one(rest, "send-file", "<path>");
        const lines = await readLines(target);
        await call(url, "/health", timeoutMs);
        const s = await sendFile(url, lines, io, { timeoutMs });
        const summary = {
          sent: s.sent,
          failed: s.failed,
          seconds: Number(s.seconds.toFixed(2)),
          perSecond: Math.round((s.sent + s.failed) / (s.seconds || 1)),
          errors: s.errors,
        };
        show(summary, () => keyValues({ ...summary, errors: s.errors.join(" | ") || "none" }));
        return s.failed === 0 ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command: ${cmd}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof CommandFailure) {
      io.err(PREFIX + err.message);
      return 1;
    }
    if (err instanceof NoAnswer) {
      io.err(PREFIX + err.message);
      return 3;
    }
    throw err;
  }
}
