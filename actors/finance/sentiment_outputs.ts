/**
 * What the sentiment worker derives from a stored batch, before it acks: the per-minute
 * aggregates of the batch's symbols to `aggregation_topic`, and sentiment-threshold alerts to
 * `alert_topic` (recorded first in `sentiment_alerts`, published, then marked published; a crash
 * in between re-publishes them, so a consumer dedups by key `<symbol>|<window_end>`).
 */
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
}

const MINUTE_MS = 60_000;

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

/** The `onStored` hook of the sentiment worker. */
export function sentimentOutputs(o: SentimentOutputsOptions) {
  return async (rows: SentimentRow[]): Promise<void> => {
    const symbols = [...new Set(rows.flatMap((r) => r.symbols))];
    if (symbols.length === 0) return;
    const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    // Rows were stored just now (processed_at is the database's now()): this minute, or the
    // previous one when the batch straddles a minute boundary.
    const minutes = [now - MINUTE_MS, now].map((t) => new Date(t).toISOString());
    const aggs = await o.alerts.aggregates(symbols, minutes);
    if (aggs.length > 0) {
      await o.producer.send(
        o.aggregationTopic,
        aggs.map((a) => ({ key: `${a.symbol}|${a.minute}`, value: JSON.stringify(a) })),
      );
    }
    const labelled = [...new Set(rows.filter((r) => r.label).flatMap((r) => r.symbols))];
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
  };
}
