/**
 * Start-up checks of what the configuration points at: each broker, database, cache and file a
 * process's roles need is tried once (with a short deadline for services still coming up), and
 * every failure is one readable line naming the variable. Outages after start are the
 * supervisor's business; these checks only turn a wrong address into a clear exit.
 */
import type { Config, ConfigIssue } from "./config.ts";
import { delay } from "./retry.ts";

/** What a process's roles use, so only those are checked. */
export interface Needs {
  kafka: boolean;
  database: boolean;
  redis: boolean;
  mongodb: boolean;
  /** Ports that must be free on HOST: the API's PORT, the ingest role's INGEST_PORT. */
  listen: Array<"PORT" | "INGEST_PORT">;
  /** FIREHOSE_REPLAY_FILE must be a readable file. */
  replayFile: boolean;
}

export interface PreflightOptions {
  /** How long a service may take to answer before it counts as unreachable. Default 5_000. */
  timeoutMs?: number;
}

/** Every problem found, in a stable order; empty when the process can start. */
export async function preflight(
  c: Config,
  needs: Needs,
  options: PreflightOptions = {},
): Promise<ConfigIssue[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const checks: Array<Promise<ConfigIssue | null>> = [];
  if (needs.kafka && c.KAFKA_BROKERS) {
    const brokers = c.KAFKA_BROKERS;
    checks.push(
      anyAnswers(brokers, timeoutMs).then((err) =>
        err === null ? null : {
          variable: "KAFKA_BROKERS",
          message: `KAFKA_BROKERS=${brokers.join(",")}: no broker answers within ${
            timeoutMs / 1000
          } s (${err})`,
        }
      ),
    );
  }
  const urls: Array<[boolean, "DATABASE_URL" | "REDIS_URL" | "MONGODB_URL", number]> = [
    [needs.database, "DATABASE_URL", 5432],
    [needs.redis, "REDIS_URL", 6379],
    [needs.mongodb, "MONGODB_URL", 27017],
  ];
  for (const [needed, variable, defaultPort] of urls) {
    const url = c[variable];
    if (!needed || !url || url.startsWith("mongodb+srv:")) continue;
    const address = hostPort(url, defaultPort);
    checks.push(
      anyAnswers([address], timeoutMs).then((err) =>
        err === null ? null : {
          variable,
          message: `${variable}: ${address} does not answer within ${timeoutMs / 1000} s (${err})`,
        }
      ),
    );
  }
  for (const variable of needs.listen) {
    if (c[variable] !== 0) checks.push(portFree(c.HOST, c[variable], variable));
  }
  if (needs.replayFile && c.FIREHOSE_REPLAY_FILE) checks.push(readableFile(c.FIREHOSE_REPLAY_FILE));
  return (await Promise.all(checks)).filter((x): x is ConfigIssue => x !== null);
}

/** `host:port` of a URL, with the scheme's default port. */
function hostPort(url: string, defaultPort: number): string {
  // Multi-host MongoDB URLs: the first host is enough to tell a wrong address.
  const u = new URL(url.replace(/^([a-z+]+:\/\/(?:[^@/]*@)?)([^/,?]+)[^/?]*/, "$1$2"));
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return `${host.includes(":") ? `[${host}]` : host}:${u.port || defaultPort}`;
}

/** Null when one address accepts a TCP connection before the deadline, else the last error. */
async function anyAnswers(addresses: string[], timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last = "no address";
  while (true) {
    for (const a of addresses) {
      const i = a.lastIndexOf(":");
      const hostname = a.slice(0, i).replace(/^\[|\]$/g, "");
      const port = Number(a.slice(i + 1));
      const left = Math.max(100, deadline - Date.now());
      const signal = AbortSignal.timeout(Math.min(left, 2_000));
      try {
        const conn = await Deno.connect({ hostname, port, signal });
        conn.close();
        return null;
      } catch (err) {
        last = err instanceof Deno.errors.ConnectionRefused
          ? "connection refused"
          : err instanceof Error
          ? err.message
          : String(err);
      }
    }
    if (Date.now() + 250 >= deadline) return last;
    await delay(250);
  }
}

function portFree(
  hostname: string,
  port: number,
  variable: "PORT" | "INGEST_PORT",
): Promise<ConfigIssue | null> {
  try {
    Deno.listen({ hostname, port }).close();
    return Promise.resolve(null);
  } catch (err) {
    const why = err instanceof Deno.errors.AddrInUse
      ? "is already in use"
      : `cannot be opened (${err instanceof Error ? err.message : String(err)})`;
    return Promise.resolve({
      variable,
      message:
        `${variable}=${port} on HOST=${hostname} ${why}: stop the other process or set ${variable}`,
    });
  }
}

async function readableFile(path: string): Promise<ConfigIssue | null> {
  try {
    const info = await Deno.stat(path);
    if (info.isFile) return null;
    return {
      variable: "FIREHOSE_REPLAY_FILE",
      message: `FIREHOSE_REPLAY_FILE=${path} is not a file`,
    };
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound
      ? "does not exist"
      : `cannot be read (${err instanceof Error ? err.message : String(err)})`;
    return { variable: "FIREHOSE_REPLAY_FILE", message: `FIREHOSE_REPLAY_FILE=${path} ${why}` };
  }
}
