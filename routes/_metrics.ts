/**
 * The body of `GET /metrics`: before prom-client renders the registry, the gauges that come from
 * outside the process's counters are refreshed: each supervised child's state, and from the
 * broker every consumer group's lag per partition and every dead-letter topic's size. A broker
 * that does not answer in time leaves those gauges empty (and counts the miss) rather than
 * failing the scrape, so the process's own metrics still arrive.
 */
import { deadline } from "../lib/deadline.ts";
import { rootLogger } from "../lib/log.ts";
import { registry } from "../lib/metrics.ts";
import {
  brokerScrapeErrors,
  childUp,
  consumerLag,
  deadLetterTopicMessages,
} from "../lib/ops_metrics.ts";
import { dlqTopic } from "../transport/types.ts";
import type { ApiDeps } from "./deps.ts";

const BROKER_TIMEOUT_MS = 3_000;
const log = rootLogger.child("metrics");

export async function metricsBody(deps: ApiDeps): Promise<string> {
  childUp.reset();
  for (const c of deps.children()) childUp.set({ child: c.id }, c.status === "running" ? 1 : 0);
  await refreshBrokerGauges(deps);
  return await registry.metrics();
}

async function refreshBrokerGauges(deps: ApiDeps): Promise<void> {
  const groups = deps.consumerGroups;
  const topics = [...new Set(groups.map((g) => g.topic))];
  try {
    const [lags, sizes] = await deadline(
      Promise.all([
        Promise.all(groups.map((g) => deps.admin.lag(g.group, g.topic))),
        Promise.all(topics.map((t) => deps.admin.topicSize(dlqTopic(t)))),
      ]),
      BROKER_TIMEOUT_MS,
    );
    consumerLag.reset();
    groups.forEach(({ group, topic }, i) => {
      for (const p of lags[i]) consumerLag.set({ group, topic, partition: p.partition }, p.lag);
    });
    deadLetterTopicMessages.reset();
    topics.forEach((t, i) => deadLetterTopicMessages.set({ topic: dlqTopic(t) }, sizes[i]));
  } catch (err) {
    consumerLag.reset();
    deadLetterTopicMessages.reset();
    brokerScrapeErrors.inc();
    log.warn("broker gauges not refreshed", { err });
  }
}
