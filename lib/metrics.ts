/**
 * Process metrics through prom-client: exposed at `/metrics` in Prometheus' text format and
 * read back by `/stats`. Names follow Prometheus' conventions (base units, `_total` on counters,
 * `_seconds` on durations); latencies are histograms, which aggregate across processes; every
 * counter whose label values are known is created at zero, so `rate()` sees its first increment.
 * The supervisor's metrics and the broker's gauges are in `ops_metrics.ts`.
 */
import client from "prom-client";

export const registry = new client.Registry();

/** Prometheus' default process metrics (`process_*`, and what of Node's the runtime has). */
client.collectDefaultMetrics({ register: registry });

/** The pipelines that count written, duplicate and retried messages. */
const PIPELINES = ["text", "orders", "posts-postgres", "posts-mongodb", "sentiment"];

export const messagesWritten = new client.Counter({
  name: "sluice_messages_written_total",
  help: "Messages stored by a writer (new rows only)",
  labelNames: ["pipeline"],
  registers: [registry],
});

export const messagesDuplicate = new client.Counter({
  name: "sluice_messages_duplicate_total",
  help: "Messages whose natural key was already stored (replays)",
  labelNames: ["pipeline"],
  registers: [registry],
});

export const writeRetries = new client.Counter({
  name: "sluice_write_retries_total",
  help: "Retries of transient sink failures",
  labelNames: ["pipeline"],
  registers: [registry],
});

export const batchSeconds = new client.Histogram({
  name: "sluice_batch_seconds",
  help: "Time to store one batch, from first message taken to ack",
  labelNames: ["pipeline"],
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});

export const messagesConsumed = new client.Counter({
  name: "sluice_messages_consumed_total",
  help: "Messages handed to a worker, by source topic (or Redis stream)",
  labelNames: ["topic"],
  registers: [registry],
});

/** Reasons of dead letters, a bounded set (the full reason is in the record's header). */
export const DEAD_LETTER_REASONS = ["empty", "malformed", "invalid", "rejected", "conflict"];

export const deadLetters = new client.Counter({
  name: "sluice_dead_letters_total",
  help: "Messages sent to a dead-letter topic or stream, by source topic and reason",
  labelNames: ["topic", "reason"],
  registers: [registry],
});

/** The reason class of a dead letter: the first word of its reason when known, else "invalid". */
export function deadLetterReason(reason: string): string {
  const word = /^[a-z]+/.exec(reason)?.[0] ?? "";
  return DEAD_LETTER_REASONS.includes(word) ? word : "invalid";
}

/** Counts dead letters of `topic` by reason class. */
export function countDeadLetters(topic: string, reasons: string[]): void {
  const byReason = new Map<string, number>();
  for (const r of reasons) {
    const k = deadLetterReason(r);
    byReason.set(k, (byReason.get(k) ?? 0) + 1);
  }
  for (const [reason, n] of byReason) deadLetters.inc({ topic, reason }, n);
}

/** Creates every reason's series of `topic` at zero. */
export function initDeadLetters(topic: string): void {
  for (const reason of DEAD_LETTER_REASONS) deadLetters.inc({ topic, reason }, 0);
}

export const ordersCounter = new client.Counter({
  name: "sluice_orders_total",
  help: "Orders handled by the order processor, by outcome (one outcome per order)",
  labelNames: ["outcome"],
  registers: [registry],
});

export const ordersProduced = new client.Counter({
  name: "sluice_orders_produced_total",
  help: "Orders produced, by result (delivered or failed after retries)",
  labelNames: ["result"],
  registers: [registry],
});

export const orderLatency = new client.Histogram({
  name: "sluice_order_processing_seconds",
  help: "From the order's append to Kafka to its row being stored",
  buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const firehoseEvents = new client.Counter({
  name: "sluice_firehose_events_total",
  help: "Jetstream events read, by kind (post, delete, skipped, malformed, invalid, oversize)",
  labelNames: ["kind"],
  registers: [registry],
});

export const firehoseSendFailures = new client.Counter({
  name: "sluice_firehose_send_failures_total",
  help: "Sends of the firehose to posts-raw that failed (each ends the connection)",
  registers: [registry],
});

export const postsWritten = new client.Counter({
  name: "sluice_posts_written_total",
  help: "Classified posts stored, by sink (new rows only)",
  labelNames: ["sink"],
  registers: [registry],
});

export const postsClassified = new client.Counter({
  name: "sluice_posts_classified_total",
  help: "Posts classified, by backend (fallbacks are also counted by reason)",
  labelNames: ["backend"],
  registers: [registry],
});

export const classifierFallbacks = new client.Counter({
  name: "sluice_classifier_fallbacks_total",
  help: "Posts the Ollama backend handed to the local backend, by reason",
  labelNames: ["reason"],
  registers: [registry],
});

export const aggregatorEvents = new client.Counter({
  name: "sluice_aggregator_events_total",
  help:
    "Posts seen by the aggregator, by outcome (counted, late, future, duplicate, replayed, invalid)",
  labelNames: ["outcome"],
  registers: [registry],
});

function initAtZero(c: client.Counter, label: string, values: string[]): void {
  for (const v of values) c.inc({ [label]: v }, 0);
}
for (const c of [messagesWritten, messagesDuplicate, writeRetries]) {
  initAtZero(c, "pipeline", PIPELINES);
}
initAtZero(ordersCounter, "outcome", ["processed", "duplicates", "conflicts", "invalid"]);
initAtZero(ordersProduced, "result", ["delivered", "failed"]);
initAtZero(firehoseEvents, "kind", [
  "post",
  "delete",
  "skipped",
  "malformed",
  "invalid",
  "oversize",
]);
initAtZero(postsWritten, "sink", ["postgres", "mongodb"]);
initAtZero(postsClassified, "backend", ["local", "ollama"]);
initAtZero(classifierFallbacks, "reason", ["timeout", "error", "invalid"]);
initAtZero(aggregatorEvents, "outcome", [
  "counted",
  "late",
  "future",
  "duplicate",
  "replayed",
  "invalid",
]);

/** Current value of a counter for one pipeline. */
export async function counterValue(c: client.Counter, pipeline: string): Promise<number> {
  const v = await c.get();
  return v.values.find((x) => x.labels.pipeline === pipeline)?.value ?? 0;
}

/** Values of a labelled counter as { label: value }, summed over its other labels. */
export async function counterValues(
  c: client.Counter,
  label: string,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await c.get()).values) {
    const k = String(v.labels[label]);
    out[k] = (out[k] ?? 0) + v.value;
  }
  return out;
}

/**
 * The `q` quantile of an unlabelled histogram, interpolated within its bucket as Prometheus'
 * `histogram_quantile` does; null before any observation.
 */
export async function histogramQuantile(h: client.Histogram, q: number): Promise<number | null> {
  const values = (await h.get()).values;
  const buckets = values
    .filter((v) => v.metricName?.endsWith("_bucket"))
    .map((v) => ({ le: Number(v.labels.le), n: v.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const { le, n } of buckets) {
    if (n >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      return prevLe + (le - prevLe) * ((rank - prevN) / Math.max(1, n - prevN));
    }
    prevLe = le;
    prevN = n;
  }
  return prevLe;
}

/** How many observations an unlabelled histogram holds. */
export async function histogramCount(h: client.Histogram): Promise<number> {
  const values = (await h.get()).values;
  return values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;
}
export const financeEvents = new client.Counter({
  name: "sluice_finance_events_total",
  help: "Webhook events by source and outcome (accepted, duplicate)",
  labelNames: ["source", "status"],
  registers: [registry],
});

export const financeRefused = new client.Counter({
  name: "sluice_finance_refused_total",
  help: "Webhook deliveries refused, by source and HTTP status (400, 401, 413, 429, 503)",
  labelNames: ["source", "status"],
  registers: [registry],
});
