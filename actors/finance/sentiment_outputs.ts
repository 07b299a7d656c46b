/**
 * What the sentiment role derives from stored rows: the per-minute aggregates of their symbols
 * to `aggregation_topic`, and sentiment-threshold alerts to `alert_topic` (recorded first in
 * `sentiment_alerts`, published, then marked published; a crash in between re-publishes them,
 * so a consumer dedups by key `<symbol>|<window_end>`).
 *
 * Off the batch path: a batch is acked once its rows are stored, and its symbols join the next
 * pass; passes run one at a time, at most one per `intervalMs`, each over every symbol stored
 * since the last. Both outputs are recomputed from the rows of their window, so a pass costs the
 * window's rows: run in every batch before its commit (as before), they held each batch for
 * seconds at 1,000 events/s and the consumer fell behind. A pass that fails (the broker away)
 * gives its symbols back to the next one. A crash loses the pending pass, so a new process first
 * runs a pass over every symbol stored in the last `RECOVERY_MINUTES` and republishes their
 * aggregates for each of those minutes (a pass otherwise recomputes the current and the previous
 * minute): the minutes before a crash are covered as long as the role is back within that time.
 * Aggregates are recomputed from the rows, so a minute published twice carries the same values.
 */
import { RepeatLimiter } from "../../lib/log.ts";
import type { Logger } from "../../lib/log.ts";
import type { FinanceAlert } from "../../schemas/finance.ts";
import type { Producer } from "../../transport/mod.ts";
import type { AlertRule, AlertStore, StoredAlert } from "./alert_store.ts";
import type { SentimentRow } from "./analytics_store.ts";

export interface SentimentOutputsOptions {
  alerts: AlertStore;
  producer: Producer;
  aggregationTopic: string;
  alertTopic: string;
  rule: AlertRule;
  logger: Logger;
  /** Least time between the starts of two passes, in ms. Default 1,000. */
  intervalMs?: number;
}

export interface SentimentOutputs {
  /** The worker's `onStored`: takes the rows' symbols for the next pass, never waits for one. */
  onStored(rows: SentimentRow[]): Promise<void>;
  /** Waits for the running pass, then runs what is pending (a graceful stop). */
  stop(): Promise<void>;
}

const MINUTE_MS = 60_000;
/** How far back a new process's first pass reaches, in minutes. */
export const RECOVERY_MINUTES = 10;

export function sentimentAlert(a: StoredAlert, threshold: number): FinanceAlert {
  const at = new Date(a.window_end).toISOString();
  return {
    kind: "sentiment",
    subject: a.symbol,
    severity: Math.abs(a.mean_score) >= Math.min(1, threshold + 0.3) ? "critical" : "warning",
    message: `${a.symbol} sentiment ${a.direction}: mean ${a.mean_score.toFixed(2)} over ` +
      `${a.events} events from ${a.sources.length} sources`,
    value: a.mean_score,
    threshold,
    at,
    details: { direction: a.direction, events: a.events, sources: a.sources },
  };
}

export function sentimentOutputs(o: SentimentOutputsOptions): SentimentOutputs {
  const intervalMs = o.intervalMs ?? 1_000;
  let symbols = new Set<string>();
  let labelled = new Set<string>();
  let running: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastStart = -Infinity;
  /** Minutes before the current one whose aggregates the next pass publishes (1 usually). */
  let reach = 1;
  let stopped = false;
  const failures = new RepeatLimiter();
  const add = (symbol: string, isLabelled: boolean) => {
    symbols.add(symbol);
    if (isLabelled) labelled.add(symbol);
  };
  const pass = async () => {
    const [all, withLabel, back] = [[...symbols], [...labelled], reach];
    symbols = new Set();
    labelled = new Set();
    reach = 1;
    lastStart = Date.now();
    await publishOutputs(o, all, withLabel, back).catch((err) => {
      const withLabelSet = new Set(withLabel);
      for (const s of all) add(s, withLabelSet.has(s));
      reach = Math.max(reach, back);
      const verdict = failures.check("pass");
      if (!verdict.log) return;
      o.logger.warn("sentiment outputs not published; the next pass tries again", {
        err,
        symbols: all.length,
        ...(verdict.suppressed > 0 ? { suppressed: verdict.suppressed } : {}),
      });
    });
  };
  const schedule = () => {
    if (stopped || running || timer !== undefined || symbols.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = pass().finally(() => {
        running = null;
        schedule();
      });
    }, Math.max(0, lastStart + intervalMs - Date.now()));
  };
  const recovered = o.alerts.recentSymbols(RECOVERY_MINUTES * MINUTE_MS / 1000).then((recent) => {
    for (const r of recent) add(r.symbol, r.labelled);
    if (recent.length > 0) reach = Math.max(reach, RECOVERY_MINUTES);
    schedule();
  }).catch((err) => o.logger.warn("recent symbols not read: no recovery pass", { err }));
  return {
    onStored(rows) {
      for (const r of rows) {
        for (const s of r.symbols) add(s, Boolean(r.label));
      }
      schedule();
      return Promise.resolve();
    },
    async stop() {
      await recovered;
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
      if (symbols.size > 0) await pass();
    },
  };
}

/**
 * One pass: the aggregates of `symbols` for this minute and the `back` before it, then the alerts
 * of `labelled`.
 */
async function publishOutputs(
  o: SentimentOutputsOptions,
  symbols: string[],
  labelled: string[],
  back: number,
): Promise<void> {
  if (symbols.length === 0) return;
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  // Rows were stored at most a pass ago (processed_at is the database's now()): this minute,
  // or the previous one when the pass straddles a minute boundary (`back` is 1), unless the
  // pass recovers what a crash left.
  const minutes = Array.from(
    { length: back + 1 },
    (_, i) => new Date(now - (back - i) * MINUTE_MS).toISOString(),
  );
  const aggs = await o.alerts.aggregates(symbols, minutes);
  if (aggs.length > 0) {
    await o.producer.send(
      o.aggregationTopic,
      aggs.map((a) => ({ key: `${a.symbol}|${a.minute}`, value: JSON.stringify(a) })),
    );
  }
  await o.alerts.raise(labelled, o.rule);
  const pending = await o.alerts.unpublished();
  if (pending.length === 0) return;
  await o.producer.send(
    o.alertTopic,
    pending.map((a) => ({
      key: `${a.symbol}|${new Date(a.window_end).toISOString()}`,
      value: JSON.stringify(sentimentAlert(a, o.rule.threshold)),
    })),
  );
  await o.alerts.markPublished(pending);
}
