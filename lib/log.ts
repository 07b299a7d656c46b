/**
 * Structured logging: one JSON line per event on stderr, a child logger per module,
 * context in fields rather than in the message string.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

let threshold: number = ORDER[(Deno.env.get("LOG_LEVEL") as LogLevel) ?? "info"] ?? ORDER.info;
const encoder = new TextEncoder();

export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(namespace: string, fields?: Fields): Logger;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Fields = { name: value.name, message: value.message };
    const extra = value as unknown as Fields;
    if ("code" in value) out.code = extra.code;
    if ("retriable" in value) out.retriable = extra.retriable;
    if (value.cause !== undefined) out.cause = serialise(value.cause);
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

export function createLogger(namespace: string, base: Fields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: Fields) => {
    if (ORDER[level] < threshold) return;
    const line: Fields = { ts: new Date().toISOString(), level, ns: namespace, msg, ...base };
    if (fields) { for (const [k, v] of Object.entries(fields)) line[k] = serialise(v); }
    Deno.stderr.writeSync(encoder.encode(JSON.stringify(line) + "\n"));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (ns, f) => createLogger(`${namespace}.${ns}`, { ...base, ...f }),
  };
}

export const rootLogger: Logger = createLogger("sluice");
