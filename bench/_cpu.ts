/**
 * CPU time of the processes a bench drives, from /proc (Linux only; elsewhere every figure is
 * NaN): a role process by pid, and the PostgreSQL backends that serve one application_name
 * (set through PGAPPNAME in the role's environment). On a shared machine wall-clock rates are
 * noisy; CPU seconds per message are what an A/B compares.
 */
import type { PostgresDb } from "../db/mod.ts";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, or NaN if it is gone. */
export function cpuSeconds(pid: number): number {
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
