/**
 * Operational metrics: the supervisors' restarts, escalations and children, and what the broker
 * says of every consumer group (lag per partition, dead-letter topic sizes). The broker's gauges
 * are global, not per process: every process serving `/metrics` reports the same values, so
 * dashboards and rules take `max` over instances.
 */
import client from "prom-client";
import { registry } from "./metrics.ts";

export const supervisorRestarts = new client.Counter({
  name: "sluice_supervisor_restarts_total",
  help: "Children restarted by a supervisor",
  labelNames: ["supervisor", "child"],
  registers: [registry],
});

export const supervisorEscalations = new client.Counter({
  name: "sluice_supervisor_escalations_total",
  help: "Supervisors that gave up (restart intensity exceeded or a non-retriable crash)",
  labelNames: ["supervisor"],
  registers: [registry],
});

export const childUp = new client.Gauge({
  name: "sluice_supervisor_child_up",
  help: "1 while a supervised child runs, 0 while it starts, restarts, has stopped or failed",
  labelNames: ["child"],
  registers: [registry],
});

export const consumerLag = new client.Gauge({
  name: "sluice_consumer_group_lag",
  help: "Messages of a partition not yet committed by a consumer group (high watermark - offset)",
  labelNames: ["group", "topic", "partition"],
  registers: [registry],
});

export const deadLetterTopicMessages = new client.Gauge({
  name: "sluice_dead_letter_topic_messages",
  help: "Messages a dead-letter topic has ever held (sum of its high watermarks)",
  labelNames: ["topic"],
  registers: [registry],
});

export const brokerScrapeErrors = new client.Counter({
  name: "sluice_broker_metrics_errors_total",
  help: "Scrapes whose lag or dead-letter sizes the broker did not answer in time",
  registers: [registry],
});
brokerScrapeErrors.inc(0);
