/**
 * An open-loop load generator: request i goes out at t0 + i / rate whether or not earlier ones
 * were answered, over a fixed set of keep-alive HTTP/1.1 connections, one request at a time on
 * each; a request waits for a free connection when all are busy. Each latency is measured from
 * the request's scheduled time, so a server that stalls is charged for every request it kept
 * waiting (no coordinated omission). The first `warmupS` seconds are sent at the same rate and
 * not recorded (connections open, the server's code warms).
 *
 * Why not autocannon, which the closed-loop figures use: its `overallRate` is not a fixed rate.
 * Each connection sends its share of a second's requests back to back at the top of the second
 * and then idles, and with a rate it records a latency of L ms with L - 1 extra samples (its
 * expected interval is `ceil(1 / rate)` ms, that is 1 ms), so its p99 "at 5,000 req/s" was that
 * of bursts of closed-loop load, weighted by their latency.
 *
 * Why not undici: on this 2-core machine the generator shares the CPU with the server it
 * measures. undici's Pool cost 0.050–0.054 ms of CPU a request against a hello world at 5,000
 * req/s and added its own tail (p99 10–11.5 ms); this client, with every request's bytes made
 * beforehand, costs 0.020–0.022 ms (p99 2.8–4.2 ms). It reads only what a Deno.serve answer is:
 * a status line, headers with content-length, a body.
 *
 * It runs in a process of its own (`openLoop` spawns this file): in the bench process, whose
 * heap holds what the other benches left, a collection stopped the generator for 50 ms and more,
 * which showed as a stall of the server.
 */
import { percentiles } from "./_percentiles.ts";
import { ownCpuSeconds } from "./_cpu.ts";

export interface OpenLoopOptions {
  url: string;
  /** Requests per second, spread evenly. */
  rate: number;
  /** Seconds measured, after the warm-up. */
  seconds: number;
  /** Seconds sent at the same rate before the measured ones, not recorded. */
  warmupS: number;
  connections: number;
}

/** One POST: its body and headers. */
export interface OpenLoopRequest {
  body: string;
  headers: Record<string, string>;
}

export interface OpenLoopResult {
  /** 2xx answers per second of the measured span. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx. */
  non2xx: number;
  /** Requests that got no answer (the connection failed or closed). */
  errors: number;
  ok: number;
  /**
   * Most milliseconds the generator itself was late sending a request (a request waiting for a
   * free connection counts as the server's, not the generator's).
   */
  maxLagMs: number;
  /** The generator's own CPU time per request, in ms. */
  cpuMsPerRequest: number;
}

/** Runs the schedule in a process of its own; `request(i)` makes the i-th request beforehand. */
export async function openLoop(
  o: OpenLoopOptions,
  request: (i: number) => OpenLoopRequest,
): Promise<OpenLoopResult> {
  const total = Math.round(o.rate * (o.warmupS + o.seconds));
  const file = await Deno.makeTempFile({ prefix: "sluice-open-loop-", suffix: ".ndjson" });
  try {
    const lines: string[] = [];
    for (let i = 0; i < total; i++) lines.push(JSON.stringify(request(i)));
    await Deno.writeTextFile(file, lines.join("\n"));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--v8-flags=--expose-gc",
        import.meta.filename!,
        JSON.stringify(o),
        file,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`the open-loop generator exited with ${out.code}`);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(file);
  }
}

const utf8 = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** The index just past the blank line that ends the head, or -1. */
function headEnd(b: Uint8Array, n: number): number {
  for (let i = 3; i < n; i++) {
    if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i + 1;
  }
  return -1;
}

function encodeRequest(url: URL, r: OpenLoopRequest): Uint8Array {
  const body = utf8.encode(r.body);
  const headers = { "content-type": "application/json", ...r.headers };
  const head = utf8.encode(
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n` +
      `content-length: ${body.length}\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n",
  );
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/** One keep-alive connection: sends a request, reads its answer; reconnects after a failure. */
class Connection {
  #conn: Deno.TcpConn | null = null;
  #buf = new Uint8Array(64 * 1024);

  constructor(private url: URL) {}

  async open(): Promise<void> {
    this.#conn = await Deno.connect({ hostname: this.url.hostname, port: Number(this.url.port) });
    this.#conn.setNoDelay(true);
  }

  /** The answer's status. */
  async exchange(request: Uint8Array): Promise<number> {
    try {
      if (!this.#conn) await this.open();
      const conn = this.#conn!;
      for (let at = 0; at < request.length;) at += await conn.write(request.subarray(at));
      let n = 0, need = -1, status = 0;
      while (need < 0 || n < need) {
        if (n === this.#buf.length) throw new Error("answer larger than the read buffer");
        const r = await conn.read(this.#buf.subarray(n));
        if (r === null) throw new Error("connection closed by the server");
        n += r;
        if (need >= 0) continue;
        const end = headEnd(this.#buf, n);
        if (end < 0) continue;
        const head = latin1.decode(this.#buf.subarray(0, end)).toLowerCase();
        const length = /\r\ncontent-length: *(\d+)/.exec(head);
        if (!length) throw new Error("an answer without content-length");
        status = Number(head.slice(9, 12));
        need = end + Number(length[1]);
      }
      return status;
    } catch (err) {
      this.close();
      throw err;
    }
  }

  close(): void {
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    this.#conn = null;
  }
}

/** Every request's bytes in one buffer (request i is `all[at[i]..at[i + 1]]`). */
function encodeAll(url: URL, requests: OpenLoopRequest[]): { all: Uint8Array; at: Float64Array } {
  const parts = requests.map((r) => encodeRequest(url, r));
  const at = new Float64Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) at[i + 1] = at[i] + parts[i].length;
  const all = new Uint8Array(at[parts.length]);
  parts.forEach((p, i) => all.set(p, at[i]));
  return { all, at };
}

/**
 * Sends `all`'s requests on schedule. Nothing is allocated per request but the read and write
 * promises: the generator's own collections must not be what the figures show.
 */
async function run(o: OpenLoopOptions, all: Uint8Array, at: Float64Array): Promise<OpenLoopResult> {
  const url = new URL(o.url);
  const total = at.length - 1;
  const warm = Math.round(o.rate * o.warmupS);
  const interval = 1000 / o.rate;
  const connections = Array.from({ length: o.connections }, () => new Connection(url));
  await Promise.all(connections.map((c) => c.open()));
  const free = [...connections];
  /** Requests due while every connection was busy, oldest first from `next`. */
  const waiting: number[] = [];
  let next = 0;
  const latencies = new Float64Array(total);
  let recorded = 0;
  let non2xx = 0, errors = 0, ok = 0, sent = 0, done = 0, maxLagMs = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => finished = resolve);
  const cpu0 = ownCpuSeconds();
  const t0 = performance.now() + 20;
  const send = async (c: Connection, i: number) => {
    for (;;) {
      const scheduled = t0 + interval * i;
      try {
        const status = await c.exchange(all.subarray(at[i], at[i + 1]));
        if (i >= warm) {
          latencies[recorded++] = performance.now() - scheduled;
          if (status >= 200 && status < 300) ok++;
          else non2xx++;
        }
      } catch {
        errors++;
      }
      if (++done === total) finished();
      if (next === waiting.length) break;
      i = waiting[next++];
    }
    free.push(c);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
      if (sent < due) maxLagMs = Math.max(maxLagMs, now - (t0 + interval * sent));
      while (sent < due) {
        const c = free.pop();
        if (c) void send(c, sent++);
        else waiting.push(sent++);
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + interval * sent - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  await allDone;
  const measuredS = (performance.now() - (t0 + interval * warm)) / 1000;
  const cpuMsPerRequest = ((ownCpuSeconds() - cpu0) * 1000) / total;
  for (const c of connections) c.close();
  return {
    requestsPerSecond: ok / measuredS,
    ...percentiles([...latencies.subarray(0, recorded)]),
    non2xx,
    errors,
    ok,
    maxLagMs,
    cpuMsPerRequest,
  };
}

if (import.meta.main) {
  const [options, file] = Deno.args;
  const o: OpenLoopOptions = JSON.parse(options);
  const lines = (await Deno.readTextFile(file)).split("\n");
  const { all, at } = encodeAll(new URL(o.url), lines.map((l) => JSON.parse(l)));
  lines.length = 0;
  // What the set-up left is collected now, not during the run.
  (globalThis as { gc?: () => void }).gc?.();
  const result = await run(o, all, at);
  Deno.stdout.writeSync(utf8.encode(JSON.stringify(result)));
}
