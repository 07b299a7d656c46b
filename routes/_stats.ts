/** The body of `GET /stats`: tables, consumer groups, counters, restarts, children. */
import {
  aggregatorEvents,
  classifierFallbacks,
  counterValue,
  counterValues,
  deadLetters,
  firehoseEvents,
  histogramCount,
  histogramQuantile,
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
      deadLettersOf(deps.textTopic),
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
    consumerGroups: await groupLags(deps),
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
  const [rows, group, partitions, outcomes, produced, retries, latency] = await Promise.all([
    deps.orders.count(),
    fromBroker("Describing the order group", deps.admin.describeGroup(deps.orderGroup)),
    fromBroker("Reading the order group's lag", deps.admin.lag(deps.orderGroup, deps.orderTopic)),
    counterValues(ordersCounter, "outcome"),
    counterValues(ordersProduced, "result"),
    counterValue(writeRetries, "orders"),
    orderLatencyMs(),
  ]);
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
      retries,
    },
    produced: { delivered: produced.delivered ?? 0, failed: produced.failed ?? 0 },
    latencyMs: latency,
  };
}

/** This process's order latency (from its histogram, as `histogram_quantile` estimates it). */
async function orderLatencyMs() {
  const ms = async (q: number) => {
    const s = await histogramQuantile(orderLatency, q);
    return s === null ? null : Math.round(s * 1000 * 10) / 10;
  };
  return { p50: await ms(0.5), p99: await ms(0.99), count: await histogramCount(orderLatency) };
}

/** Dead letters counted by this process for one source topic. */
async function deadLettersOf(topic: string): Promise<number> {
  const values = (await deadLetters.get()).values;
  return values.filter((v) => v.labels.topic === topic).reduce((n, v) => n + v.value, 0);
}

/** The total lag of every consumer group; a group the broker does not answer for is `null`. */
async function groupLags(deps: ApiDeps) {
  return await Promise.all(deps.consumerGroups.map(async ({ group, topic }) => {
    const partitions = await deps.admin.lag(group, topic).catch(() => null);
    return { group, topic, totalLag: partitions?.reduce((n, p) => n + p.lag, 0) ?? null };
  }));
}
