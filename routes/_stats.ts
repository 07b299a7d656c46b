/** The body of `GET /stats`: tables, consumer groups, counters, restarts, children. */
import {
  aggregatorEvents,
  classifierFallbacks,
  counterValue,
  counterValues,
  firehoseEvents,
  messagesDeadLettered,
  messagesDuplicate,
  messagesWritten,
  orderLatency,
  ordersCounter,
  ordersProduced,
  postsWritten,
  writeRetries,
} from "../lib/metrics.ts";
import { dlqTopic } from "../transport/types.ts";
import type { ApiDeps } from "./deps.ts";
import { fromBroker } from "./_http.ts";

export async function stats(deps: ApiDeps) {
  const dlq = dlqTopic(deps.textTopic);
  const [messages, group, partitions, dlqSize, written, duplicates, deadLettered, retries] =
    await Promise.all([
      deps.texts.stats(),
      fromBroker("Describing the group", deps.admin.describeGroup(deps.textGroup)),
      fromBroker("Reading the group's lag", deps.admin.lag(deps.textGroup, deps.textTopic)),
      fromBroker("Sizing the dead-letter topic", deps.admin.topicSize(dlq)),
      counterValue(messagesWritten, "text"),
      counterValue(messagesDuplicate, "text"),
      counterValue(messagesDeadLettered, "text"),
      counterValue(writeRetries, "text"),
    ]);
  return {
    messages,
    consumerGroup: {
      ...group,
      topic: deps.textTopic,
      partitions,
      totalLag: partitions.reduce((n, p) => n + p.lag, 0),
    },
    counters: { written, duplicates, deadLettered, writeRetries: retries },
    deadLetterTopic: { topic: dlq, messages: dlqSize },
    orders: await orderStats(deps),
    social: {
      firehose: deps.firehose(),
      firehoseEvents: await counterValues(firehoseEvents, "kind"),
      classifierFallbacks: await counterValues(classifierFallbacks, "reason"),
      postsWritten: await counterValues(postsWritten, "sink"),
      aggregatorEvents: await counterValues(aggregatorEvents, "outcome"),
    },
    restarts: deps.restarts(),
    children: deps.children(),
  };
}

async function orderStats(deps: ApiDeps) {
  const [rows, group, partitions, outcomes, produced, latency] = await Promise.all([
    deps.orders.count(),
    fromBroker("Describing the order group", deps.admin.describeGroup(deps.orderGroup)),
    fromBroker("Reading the order group's lag", deps.admin.lag(deps.orderGroup, deps.orderTopic)),
    counterValues(ordersCounter, "outcome"),
    counterValues(ordersProduced, "result"),
    orderLatency.get(),
  ]);
  const members: Record<string, { p50: number | null; p99: number | null; count: number }> = {};
  for (const v of latency.values) {
    const member = String(v.labels.member);
    members[member] ??= { p50: null, p99: null, count: 0 };
    const ms = Number.isNaN(v.value) ? null : Math.round(v.value * 1000 * 10) / 10;
    const quantile = (v.labels as Record<string, unknown>).quantile;
    if (quantile === 0.5) members[member].p50 = ms;
    else if (quantile === 0.99) members[member].p99 = ms;
    else if (v.metricName?.endsWith("_count")) members[member].count = v.value;
  }
  return {
    rows,
    consumerGroup: {
      ...group,
      topic: deps.orderTopic,
      partitions,
      totalLag: partitions.reduce((n, p) => n + p.lag, 0),
    },
    counters: {
      processed: outcomes.processed ?? 0,
      invalid: outcomes.invalid ?? 0,
      duplicates: outcomes.duplicates ?? 0,
      conflicts: outcomes.conflicts ?? 0,
      retries: outcomes.retries ?? 0,
    },
    produced: { delivered: produced.delivered ?? 0, failed: produced.failed ?? 0 },
    latencyMs: members,
  };
}
