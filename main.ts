/**
 * Sluice entrypoint.
 *
 *   deno run main.ts <role>     run one role: text-writer | order-processor | order-producer |
 *                               firehose | classifier | writer | aggregator | api | ingest |
 *                               market-feed
 *   deno run main.ts a,b        run several roles in one process
 *   deno run main.ts all        run every role in one process, under one supervisor
 *   deno run main.ts migrate    apply pending database migrations and exit
 *   deno run main.ts config     print the effective configuration (secrets masked) and exit
 *   deno run main.ts cli ...    the command-line client (see `main.ts cli help`)
 *
 * The configuration is validated as a whole before anything starts, then every service the
 * roles need is tried once: a problem of either kind is one line naming the variable, exit 2.
 * A role runs under a root supervisor. SIGINT/SIGTERM stop it gracefully (stop fetching,
 * finish and ack in-flight batches, commit, close) and exit 0 within SHUTDOWN_TIMEOUT_MS; when
 * every role has finished on its own (a producer given ORDER_COUNT, a finite replay) the process
 * exits 0; an escalation (restart intensity exceeded, or a non-retriable crash) exits 1.
 */
import { Supervisor } from "./runtime/supervisor.ts";
import { ConfigError, errorMessage } from "./lib/errors.ts";
import { configLines, loadConfig } from "./lib/config.ts";
import type { Config } from "./lib/config.ts";
import { rootLogger, setLogLevel, setLogSink } from "./lib/log.ts";
import { preflight } from "./lib/preflight.ts";
// Not actors/mod.ts: that loads every pipeline, and a process loads only the roles it runs.
import { needsOf, roleSpecs } from "./actors/specs.ts";
import { parseRoles, ROLES } from "./actors/roles.ts";
import { postgresOptions, Runtime } from "./actors/resources.ts";
import { supervisorOptions } from "./actors/_role.ts";
import { LogDbWriter, migrate, PostgresDb } from "./db/mod.ts";

const USAGE = `usage: main.ts <all | ${
  ROLES.join(" | ")
} | role,role... | migrate | config | cli ...>`;
const encoder = new TextEncoder();
const log = rootLogger.child("main");

function say(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/** Readable lines for a person at a terminal, and one log line for the log pipeline. */
function refuse(what: string, issues: ReadonlyArray<{ variable: string; message: string }>): never {
  const lines = issues.map((i) => `sluice: ${what}: ${i.message}`);
  Deno.stderr.writeSync(encoder.encode(lines.join("\n") + "\n"));
  log.fatal(what, { variables: issues.map((i) => i.variable), problems: issues.length });
  Deno.exit(2);
}

function config(): Config {
  try {
    const c = loadConfig();
    setLogLevel(c.LOG_LEVEL);
    return c;
  } catch (err) {
    if (err instanceof ConfigError) refuse("invalid configuration", err.issues);
    throw err;
  }
}

async function runMigrate(): Promise<number> {
  const rt = new Runtime(config());
  try {
    const applied = await migrate(await rt.db());
    say(applied.length ? `applied migrations: ${applied.join(", ")}` : "no pending migrations");
    return 0;
  } catch (err) {
    log.error("migration failed", { err });
    return 1;
  } finally {
    await rt.close();
  }
}

async function runRoles(role: string): Promise<never> {
  const c = config();
  const roles = role === "all" ? [...ROLES] : parseRoles(role);
  const problems = await preflight(c, needsOf(roles, c), { timeoutMs: c.STARTUP_TIMEOUT_MS });
  if (problems.length) refuse("cannot start", problems);
  const rt = new Runtime(c);
  const logDb = await startLogDatabase(c, role);
  const closeAll = async () => {
    await logDb?.close();
    await rt.close();
  };
  log.info("starting", { role, ...rt.describe() });
  const root = new Supervisor(
    await roleSpecs(rt, role, (url, server) => say(`Sluice ${server} listening on ${url}`)),
    { ...supervisorOptions(rt, role), autoShutdown: true },
  );
  rt.root = root;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal, deadlineMs: c.SHUTDOWN_TIMEOUT_MS });
    const deadline = setTimeout(() => {
      log.error("shutdown deadline exceeded, exiting", { deadlineMs: c.SHUTDOWN_TIMEOUT_MS });
      Deno.exit(1);
    }, c.SHUTDOWN_TIMEOUT_MS);
    await root.stop();
    await closeAll();
    clearTimeout(deadline);
    log.info("stopped cleanly", { signal });
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  root.done.then(async () => {
    if (stopping) return;
    stopping = true;
    log.info("every role finished, exiting", { role });
    await closeAll();
    Deno.exit(0);
  }, async (err) => {
    if (stopping) return;
    log.fatal("supervisor escalated, exiting", { err, reason: errorMessage(err) });
    await closeAll();
    Deno.exit(1);
  });
  await root.start();
  return await new Promise<never>(() => {});
}

/**
 * The log database's writer as the process's log sink, when LOG_DATABASE_URL is set. A database
 * that is away at start is not fatal: lines queue (then drop, counted) until it answers.
 */
async function startLogDatabase(
  c: Config,
  role: string,
): Promise<{ close(): Promise<void> } | null> {
  if (!c.LOG_DATABASE_URL) return null;
  const db = new PostgresDb(postgresOptions(c, c.LOG_DATABASE_URL, 2));
  const writer = new LogDbWriter(db, {
    level: c.LOG_DB_LEVEL,
    capacity: c.LOG_DB_BUFFER,
    retentionDays: c.LOG_DB_RETENTION_DAYS,
    role,
  });
  await writer.prepare().catch((err) =>
    log.warn("log database not ready; lines queue until it answers", { err })
  );
  setLogSink(writer.start());
  return {
    close: async () => {
      setLogSink(null);
      await writer.close();
      await db.close();
    },
  };
}

function isRoleList(arg: string | undefined): arg is string {
  if (!arg) return false;
  try {
    parseRoles(arg);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const [cmd, ...rest] = Deno.args;
  if (cmd === "cli") {
    const { runCli } = await import("./cli/mod.ts");
    Deno.exit(await runCli(rest));
  } else if (cmd === "migrate") {
    Deno.exit(await runMigrate());
  } else if (cmd === "config") {
    say(configLines(config()).join("\n"));
    Deno.exit(0);
  } else if (cmd === "all" || isRoleList(cmd)) {
    await runRoles(cmd);
  } else if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    say(USAGE);
    Deno.exit(0);
  } else {
    let why = `unknown command or role: ${cmd}`;
    try {
      parseRoles(cmd);
    } catch (err) {
      why = errorMessage(err);
    }
    Deno.stderr.writeSync(encoder.encode(`sluice: ${why}\n${USAGE}\n`));
    Deno.exit(2);
  }
}
