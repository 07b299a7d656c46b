/**
 * Watches a pipeline flow from outside, for recovery times: every 100 ms, each partition's
 * committed offset (a commit means the batch was stored) and the row count. Errors while a
 * service is away count as "no news".
 */
import type { Db } from "../../db/mod.ts";
import type { Admin } from "../../transport/mod.ts";
import { until } from "./mod.ts";

export class FlowWatch {
  /** When each partition's committed offset moved (performance.now()). */
  #commits: Array<{ t: number; partition: number; offset: number }> = [];
  /** When the row count went up. */
  #rowsUp: number[] = [];
  #committed = new Map<number, number>();
  #rows = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #busy = false;

  constructor(
    private admin: Admin,
    private db: Db,
    private group: string,
    private topic: string,
    private table = "text_messages",
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.#poll(), 100);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The row count now. */
  async rows(): Promise<number> {
    const r = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.table}`);
    return r[0].n;
  }

  /** Waits until rows went up after `t0`; answers how long after `t0`, in ms. */
  async rowsAfter(t0: number, timeoutMs: number): Promise<number> {
    let at = 0;
    await until(
      `rows after ${t0}`,
      () => {
        at = this.#rowsUp.find((t) => t > t0) ?? 0;
        return at > 0;
      },
      timeoutMs,
      50,
    );
    return at - t0;
  }

  /** Each partition's committed offset now, asked of the broker (retried while it is away). */
  async committedNow(): Promise<Map<number, number>> {
    let out = new Map<number, number>();
    await until(
      "the committed offsets",
      async () => {
        const lag = await this.admin.lag(this.group, this.topic);
        out = new Map(lag.map((p) => [p.partition, Number(p.committed ?? 0)]));
        return true;
      },
      60_000,
      100,
    );
    return out;
  }

  /**
   * Waits until every partition in `partitions` (default: every one seen) was committed past
   * `baseline` (default: what it was at `t0`, as far as this watch knows); answers how long after
   * `t0` the last of them was, in ms.
   */
  async allFlowingAfter(
    t0: number,
    timeoutMs: number,
    partitions?: number[],
    baseline?: Map<number, number>,
  ): Promise<number> {
    const wanted = partitions ?? [...this.#committed.keys()];
    const base = (p: number) =>
      baseline?.get(p) ??
        this.#commits.filter((c) => c.partition === p && c.t <= t0).at(-1)?.offset ?? 0;
    let last = 0;
    await until(
      `partitions ${wanted} committed after ${t0}`,
      () => {
        const firsts = wanted.map((p) =>
          this.#commits.find((c) => c.partition === p && c.t > t0 && c.offset > base(p))?.t ?? 0
        );
        last = Math.max(...firsts);
        return firsts.every((t) => t > 0);
      },
      timeoutMs,
      50,
    );
    return last - t0;
  }

  async #poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const t = performance.now();
    try {
      const lag = await this.admin.lag(this.group, this.topic).catch(() => []);
      for (const p of lag) {
        const c = Number(p.committed ?? 0);
        const before = this.#committed.get(p.partition);
        if (before !== undefined && c > before) {
          this.#commits.push({ t, partition: p.partition, offset: c });
        }
        this.#committed.set(p.partition, Math.max(c, before ?? 0));
      }
      const rows = await this.rows().catch(() => this.#rows);
      if (rows > this.#rows) this.#rowsUp.push(t);
      this.#rows = Math.max(rows, this.#rows);
    } finally {
      this.#busy = false;
    }
  }
}
