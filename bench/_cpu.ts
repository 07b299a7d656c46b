/**
 * CPU time of the processes a bench drives, from Linux /proc (elsewhere: NaN, or 0 in the meter):
 * a role process by pid, the PostgreSQL backends that serve one `application_name` (set through
 * PGAPPNAME in the role's environment, or in the connection URL), and the Kafka broker. On a
 * shared machine wall-clock rates move with the load; CPU per unit moves far less, so A/B
 * figures compare it.
 */
import process from "node:process";
import pg from "pg";
import type { PostgresDb } from "../db/mod.ts";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, or NaN if it is gone. */
export function cpuSeconds(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * This process's user + system CPU time in seconds, every thread, to the microsecond (`/proc`
 * counts in 10 ms ticks: too coarse for a loop of a few hundred ms).
 */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** utime + stime of a process in ms; 0 when it is gone. */
export function cpuMs(pid: number | "self"): number {
  const s = cpuSeconds(pid);
  return isNaN(s) ? 0 : s * 1000;
}

/**
 * Follows the backends of `appName` by polling pg_stat_activity every 250 ms; `seconds()` is the
 * CPU they used since each was first seen (backends are new in a bench run, so from their start).
 */
export function backendCpu(db: PostgresDb, appName: string): {
  seconds: () => number;
  stop: () => Promise<void>;
} {
  const last = new Map<number, number>();
  const sample = async () => {
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1`,
      [appName],
    ).catch(() => []);
    for (const { pid } of rows) last.set(pid, 0);
    for (const pid of last.keys()) {
      const s = cpuSeconds(pid);
      if (!isNaN(s)) last.set(pid, s);
    }
  };
  let running = sample();
  const timer = setInterval(() => (running = running.then(sample)), 250);
  return {
    seconds: () => [...last.values()].reduce((a, b) => a + b, 0),
    stop: async () => {
      clearInterval(timer);
      await running;
      await sample();
    },
  };
}

/** The pid of the local Kafka broker (services/), or null. */
export function kafkaBrokerPid(): number | null {
  for (const d of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(d.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${d.name}/cmdline`).includes("kafka.Kafka")) {
        return Number(d.name);
      }
    } catch {
      // exited while listed
    }
  }
  return null;
}

/** `url` with `application_name`, so that its backends can be found and measured. */
export function withApplicationName(url: string, name: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}application_name=${name}`;
}

/** CPU ms of one process, of the backends named `app`, and of the broker, since `start()`. */
export class CpuMeter {
  #pid: number;
  #app: string;
  #admin: pg.Client;
  #broker = kafkaBrokerPid();
  #start = new Map<string, number>();

  constructor(pid: number, app: string, admin: pg.Client) {
    this.#pid = pid;
    this.#app = app;
    this.#admin = admin;
  }

  async #sample(): Promise<Map<string, number>> {
    const rows = await this.#admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
      [this.#app],
    );
    const m = new Map([["role", cpuMs(this.#pid)], [
      "broker",
      this.#broker ? cpuMs(this.#broker) : 0,
    ]]);
    for (const r of rows.rows) m.set(`pg:${r.pid}`, cpuMs(r.pid));
    return m;
  }

  async start(): Promise<void> {
    this.#start = await this.#sample();
  }

  /** CPU ms spent since `start()`: the role process, its database backends, the broker. */
  async read(): Promise<{ role: number; database: number; broker: number }> {
    const now = await this.#sample();
    const d = (k: string) => (now.get(k) ?? 0) - (this.#start.get(k) ?? 0);
    let database = 0;
    for (const k of now.keys()) if (k.startsWith("pg:")) database += d(k);
    return { role: d("role"), database, broker: d("broker") };
  }
}
