/**
 * Structured logging: one JSON line per event on stderr, a child logger per module,
 * context in fields rather than in the message string.
 *
 * A logger never throws: whatever a field holds is serialised (bigints as strings, errors with
 * their causes, cycles as "[Circular]", functions and symbols by name) and a line that still
 * cannot be written is dropped and counted, never raised into the worker that logged it.
 */
import { configure } from "safe-stable-stringify";

export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal" | "silent";

const ORDER: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  fatal: 50,
  silent: 99,
};

let threshold: number = ORDER[(Deno.env.get("LOG_LEVEL") as LogLevel) ?? "info"] ?? ORDER.info;
const encoder = new TextEncoder();
/** Lines that could not be written (stderr closed, a serialiser failure). */
export let droppedLogLines = 0;

export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

/** One log event as a sink receives it: the fields already made plain (serialisable). */
export interface LogRecord {
  ts: string;
  level: LogLevel;
  ns: string;
  msg: string;
  fields: Fields;
}

/**
 * Where log events at or above `level` also go (the log database's writer). `write` is called
 * synchronously on the logging path: it must only enqueue, never block or throw (a throw is
 * counted as a dropped line). stderr output is unchanged.
 */
export interface LogSink {
  level: LogLevel;
  write(record: LogRecord): void;
}

let sink: LogSink | null = null;

/** Installs (or with null removes) the process's log sink. */
export function setLogSink(s: LogSink | null): void {
  sink = s;
}

function toSink(level: LogLevel, ns: string, msg: string, fields: Fields): void {
  if (!sink || ORDER[level] < ORDER[sink.level]) return;
  try {
    const plainFields: Fields = {};
    for (const [k, v] of Object.entries(fields)) plainFields[k] = plain(v, new Set(), 0);
    sink.write({ ts: new Date().toISOString(), level, ns, msg: String(msg), fields: plainFields });
  } catch {
    droppedLogLines++;
  }
}

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** An escalation: the process is about to stop. */
  fatal(msg: string, fields?: Fields): void;
  child(namespace: string, fields?: Fields): Logger;
}

/** Cycle-safe, order-keeping, bigint-as-string JSON; deep values past 8 levels are elided. */
const stringify = configure({ bigint: false, deterministic: false, maximumDepth: 8 });

/** Errors become plain objects (name, message, code, retriable, cause chain); the rest as is. */
function plain(value: unknown, seen: Set<unknown>, depth: number): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "function") return `[Function ${value.name || "anonymous"}]`;
  if (typeof value === "symbol") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[Circular]";
  if (depth > 8) return "[Deep]";
  seen.add(value);
  try {
    if (value instanceof Error) {
      const extra = value as unknown as Fields;
      const out: Fields = { name: value.name, message: value.message };
      for (const k of ["code", "retriable", "field", "variable"]) {
        if (k in value && extra[k] !== undefined) out[k] = plain(extra[k], seen, depth + 1);
      }
      if (value.cause !== undefined) out.cause = plain(value.cause, seen, depth + 1);
      return out;
    }
    if (value instanceof Map) return plain(Object.fromEntries(value), seen, depth);
    if (value instanceof Set) return plain([...value], seen, depth);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value;
    if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((v) => plain(v, seen, depth + 1));
    const out: Fields = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v, seen, depth + 1);
    return out;
  } catch (err) {
    return `[Unserialisable: ${err instanceof Error ? err.message : String(err)}]`;
  } finally {
    seen.delete(value);
  }
}

/** The JSON line for one event; exported for tests. Never throws. */
export function formatLine(level: LogLevel, ns: string, msg: string, fields: Fields): string {
  try {
    const line: Fields = { ts: new Date().toISOString(), level, ns, msg };
    for (const [k, v] of Object.entries(fields)) line[k] = plain(v, new Set(), 0);
    return stringify(line) ?? "";
  } catch (err) {
    return JSON.stringify({
      ts: new Date().toISOString(),
      level,
      ns,
      msg: String(msg),
      logError: err instanceof Error ? err.message : "unserialisable fields",
    });
  }
}

export function createLogger(namespace: string, base: Fields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: Fields) => {
    toSink(level, namespace, msg, fields ? { ...base, ...fields } : base);
    if (ORDER[level] < threshold) return;
    try {
      const line = formatLine(level, namespace, msg, fields ? { ...base, ...fields } : base);
      Deno.stderr.writeSync(encoder.encode(line + "\n"));
    } catch {
      droppedLogLines++;
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    fatal: (m, f) => write("fatal", m, f),
    child: (ns, f) => createLogger(`${namespace}.${ns}`, { ...base, ...f }),
  };
}

export const rootLogger: Logger = createLogger("sluice");

export interface RepeatLimiterOptions {
  /** Length of a cause's window, in ms. Default 30_000. */
  intervalMs?: number;
  /** Lines of one cause let through per window. Default 1. */
  burst?: number;
  /** Causes remembered at most (the oldest are forgotten past it). Default 1_000. */
  maxCauses?: number;
}

/** What a limiter says about one line: log it (with how many were held back before it), or not. */
export interface RepeatVerdict {
  log: boolean;
  /** Lines of this cause suppressed since the last one logged (when `log`). */
  suppressed: number;
  /** True for the first suppressed line of a window: say once that the rest are held back. */
  first: boolean;
}

/**
 * Rate-limits log lines by cause: at most `burst` lines per cause per `intervalMs`; the lines
 * held back are counted and the count goes with the cause's next logged line, so a burst of a
 * thousand identical failures writes a few lines, not a thousand.
 */
export class RepeatLimiter {
  #windows = new Map<string, { start: number; used: number; suppressed: number }>();
  #interval: number;
  #burst: number;
  #max: number;

  constructor(options: RepeatLimiterOptions = {}) {
    this.#interval = options.intervalMs ?? 30_000;
    this.#burst = options.burst ?? 1;
    this.#max = options.maxCauses ?? 1_000;
  }

  check(cause: string, now = Date.now()): RepeatVerdict {
    let w = this.#windows.get(cause);
    if (w && now - w.start >= this.#interval) {
      const suppressed = w.suppressed;
      w = { start: now, used: 1, suppressed: 0 };
      this.#windows.set(cause, w);
      return { log: true, suppressed, first: false };
    }
    if (!w) {
      if (this.#windows.size >= this.#max) {
        this.#windows.delete(this.#windows.keys().next().value!);
      }
      this.#windows.set(cause, { start: now, used: 1, suppressed: 0 });
      return { log: true, suppressed: 0, first: false };
    }
    if (w.used < this.#burst) {
      w.used++;
      return { log: true, suppressed: 0, first: false };
    }
    w.suppressed++;
    return { log: false, suppressed: 0, first: w.suppressed === 1 };
  }
}
