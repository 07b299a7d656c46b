/**
 * The command-line client of the HTTP API: `main.ts cli <command> [options]`.
 * Exit codes: 0 success; 1 the server answered with an error (or the input file could not be
 * read, or send-file had failures); 2 usage error; 3 no answer: the API could not be reached
 * or did not answer within the timeout.
 */
import { parseArgs } from "node:util";
import { NoAnswer, request } from "./_http.ts";
import { READ_COMMANDS } from "./commands.ts";
import { keyValues, parseFormat, render } from "./format.ts";
import { sendFile } from "./send_file.ts";
import { watchOption } from "./watch.ts";
import { isSource, sendWebhooks, webhookSecret } from "./webhook.ts";
import { createKey, UNAUTHORIZED_HINT } from "./api_key.ts";

/** Seconds a request may take when neither --timeout nor SLUICE_CLI_TIMEOUT_S says. */
export const DEFAULT_TIMEOUT_S = 10;
/** Seconds between two answers of `--watch` without a number. */
export const WATCH_DEFAULT_S = 2;

export const USAGE =
  `usage: sluice cli [--url URL] [--format table|json|ndjson] [--timeout SECONDS] <command>

commands:
${Object.values(READ_COMMANDS).map((c) => `  ${c.usage}`).join("\n")}
  create <text> [--id ID] [--wait]
                             publish a message (--wait: until stored)
  send-file <path>           one message per line, with progress and a summary
  webhook send --source SOURCE FILE.ndjson
                             one signed finance delivery per line (truedata, news, twitter,
                             reddit, economic) to the ingest server, with progress
  analyze <text> [--backend local|ollama]
                             finance sentiment, entities and asset class of a text
  key create <name> [--scopes read,write,admin]
                             a new API key (default scope write): prints the token once and the
                             entry to add to the server's API_KEYS (only the token's hash)

options:
  --url URL                  API address (default $SLUICE_URL or http://127.0.0.1:8080)
  --ingest-url URL           ingest server (default $SLUICE_INGEST_URL or http://127.0.0.1:8090)
  --format table|json|ndjson output format (default table); ndjson: one line per row
  --timeout SECONDS          per request (default $SLUICE_CLI_TIMEOUT_S or ${DEFAULT_TIMEOUT_S};
                             twice that for create --wait, so the server's own wait answers)
  --watch [SECONDS]          trends and stats: again every SECONDS (default ${WATCH_DEFAULT_S}) until Ctrl-C

API key: $SLUICE_API_KEY (else the one \`deno task dev\` saved), sent as Authorization: Bearer

exit codes: 0 ok, 1 the server answered with an error, 2 usage error, 3 no answer`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Clears the screen before each answer of `--watch` (a terminal only). */
  clear?(): void;
}

const enc = new TextEncoder();
const stdio: Io = {
  out: (l) => Deno.stdout.writeSync(enc.encode(l + "\n")),
  err: (l) => Deno.stderr.writeSync(enc.encode(l + "\n")),
  clear: Deno.stdout.isTerminal()
    ? () => Deno.stdout.writeSync(enc.encode("\x1b[2J\x1b[H"))
    : undefined,
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
  if (res.status === 401) {
    throw new CommandFailure(`HTTP 401: ${JSON.stringify(body)}: ${UNAUTHORIZED_HINT}`);
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

export interface RunOptions {
  /** Ends `--watch` (the command line's own stop is Ctrl-C). */
  signal?: AbortSignal;
}

export async function runCli(
  argv: string[],
  io: Io = stdio,
  opts: RunOptions = {},
): Promise<number> {
  let parsed, watchS;
  try {
    const w = watchOption(argv, WATCH_DEFAULT_S);
    watchS = w.seconds;
    parsed = parseArgs({
      args: w.args,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        format: { type: "string", default: "table" },
        limit: { type: "string" },
        offset: { type: "string" },
        id: { type: "string" },
        customer: { type: "string" },
        since: { type: "string" },
        source: { type: "string" },
        bucket: { type: "string" },
        "ingest-url": { type: "string" },
        backend: { type: "string" },
        level: { type: "string" },
        component: { type: "string" },
        timeout: { type: "string" },
        scopes: { type: "string" },
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
  try {
    const format = parseFormat(v.format);
    if (format === undefined) throw new UsageError("--format must be table, json or ndjson");
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
    const print = (text: string) => text !== "" && io.out(text);
    const read = READ_COMMANDS[cmd];
    if (read) {
      const path = read.path(v, (name) => one(rest, cmd, name), rest);
      const once = async () => print(render(await call(url, path, timeoutMs), format, read));
      if (watchS === undefined) return (await once(), 0);
      if (!read.watch) throw new UsageError(`--watch is for trends and stats, not ${cmd}`);
      return await watchLoop(once, watchS * 1000, format === "table", io, opts.signal);
    }
    if (watchS !== undefined) throw new UsageError(`--watch is for trends and stats, not ${cmd}`);
    switch (cmd) {
      case "create": {
        if (!rest[0]) throw new UsageError("create needs a <text>");
        const body = JSON.stringify({ text: rest.join(" "), ...(v.id ? { id: v.id } : {}) });
        const path = `/messages${v.wait ? "?wait=true" : ""}`;
        const b = await call(url, path, v.wait ? waitTimeoutMs : timeoutMs, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        print(render(b, format, { table: keyValues }));
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
        print(render(b, format, {
          table: () => keyValues((b.results as Array<Record<string, unknown>>)[0]),
        }));
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
        print(render(summary, format, {
          table: () => keyValues({ ...summary, errors: s.errors.join(" | ") || "none" }),
        }));
        return s.failed === 0 ? 0 : 1;
      }
      case "key": {
        if (rest[0] !== "create") throw new UsageError("key takes the subcommand create");
        const name = one(rest.slice(1), "key create", "<name>");
        let k;
        try {
          k = createKey(name, v.scopes);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        print(
          render(
            { name: k.name, scopes: k.scopes.join(","), token: k.token, entry: k.entry },
            format,
            {
              table: () =>
                [
                  `token (shown once; give it to the client as SLUICE_API_KEY): ${k.token}`,
                  `server: add to API_KEYS (entries separated by ;): ${k.entry}`,
                ].join("\n"),
            },
          ),
        );
        return 0;
      }
      case "webhook": {
        if (rest[0] !== "send") throw new UsageError("webhook takes the subcommand send");
        const target = one(rest.slice(1), "webhook send", "<file.ndjson>");
        if (!isSource(v.source)) {
          throw new UsageError("webhook send needs --source truedata|news|twitter|reddit|economic");
        }
        const secret = await webhookSecret(v.source);
        if (!secret) {
          throw new UsageError(
            `no secret for ${v.source}: set INGEST_SECRET_${v.source.toUpperCase()}`,
          );
        }
        const ingest = (v["ingest-url"] ?? Deno.env.get("SLUICE_INGEST_URL") ??
          "http://127.0.0.1:8090").replace(/\/$/, "");
        const s = await sendWebhooks(
          ingest,
          v.source,
          secret,
          await readLines(target),
          io,
          timeoutMs,
        );
        const summary = { sent: s.sent, failed: s.failed, seconds: Number(s.seconds.toFixed(2)) };
        print(render({ ...summary, errors: s.errors }, format, {
          table: () => keyValues({ ...summary, errors: s.errors.join(" | ") || "none" }),
        }));
        return s.failed === 0 ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command: ${cmd}`);
    }
  } catch (err) {
    return failed(err, io);
  }
}

/** The exit code of a failure, reported on stderr; a programmer error is rethrown. */
function failed(err: unknown, io: Io): number {
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

/**
 * `once()` every `everyMs` until `signal` aborts. A failed round is reported and the watch goes
 * on: an API that restarts shows up again.
 */
async function watchLoop(
  once: () => Promise<unknown>,
  everyMs: number,
  clear: boolean,
  io: Io,
  signal?: AbortSignal,
): Promise<number> {
  while (!signal?.aborted) {
    if (clear) io.clear?.();
    try {
      await once();
    } catch (err) {
      failed(err, io);
    }
    await pause(everyMs, signal);
  }
  return 0;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}
