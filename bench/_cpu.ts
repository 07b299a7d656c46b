/**
 * CPU time of the processes a bench loads, from Linux /proc: a process's utime + stime, the
 * PostgreSQL backends a process opened (found by the `application_name` it connects with), and
 * the Kafka broker. On a shared machine wall-clock rates move with the load; CPU per unit moves
 * far less, so A/B figures compare it.
 */
import pg from "pg";

/** utime + stime of a process in ms (clock ticks of 1/100 s); 0 when it is gone. */
export function cpuMs(pid: number | "self"): number {
  try {
    const f = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0; // gone, or not Linux
  }
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
