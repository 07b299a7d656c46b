/**
 * Process metrics through prom-client: exposed at `/metrics` in Prometheus' text format and
 * read back by `/stats`. Counters are labelled by pipeline.
 */
import client from "prom-client";

export const registry = new client.Registry();

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

export const messagesDeadLettered = new client.Counter({
  name: "sluice_messages_dead_lettered_total",
  help: "Messages sent to a dead-letter topic",
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

/** Current value of a counter for one pipeline. */
export async function counterValue(c: client.Counter, pipeline: string): Promise<number> {
  const v = await c.get();
  return v.values.find((x) => x.labels.pipeline === pipeline)?.value ?? 0;
}

export const ordersCounter = new client.Counter({
  name: "sluice_orders_total",
  help: "Orders seen by the order processor, by outcome",
  labelNames: ["outcome"],
  registers: [registry],
});

export const ordersProduced = new client.Counter({
  name: "sluice_orders_produced_total",
  help: "Orders produced, by result (delivered or failed after retries)",
  labelNames: ["result"],
  registers: [registry],
});

export const orderLatency = new client.Summary({
  name: "sluice_order_processing_seconds",
  help: "From the order's append to Kafka to its row being stored, per member",
  labelNames: ["member"],
  percentiles: [0.5, 0.99],
  maxAgeSeconds: 600,
  ageBuckets: 5,
  registers: [registry],
});

/** Values of a labelled counter as { label: value }. */
export async function counterValues(
  c: client.Counter,
  label: string,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await c.get()).values) out[String(v.labels[label])] = v.value;
  return out;
}

export const firehoseEvents = new client.Counter({
  name: "sluice_firehose_events_total",
  help: "Jetstream events read, by kind (post, delete, skipped, malformed, invalid)",
  labelNames: ["kind"],
  registers: [registry],
});

export const postsWritten = new client.Counter({
  name: "sluice_posts_written_total",
  help: "Classified posts stored, by sink (new rows only)",
  labelNames: ["sink"],
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
