/**
 * The Kafka admin client: topic creation that waits for leaders, group lag and state, topic
 * sizes, a ping. Every call is bounded by a deadline and fails as a retriable UpstreamError
 * naming the action.
 */
import { ConfigResourceTypes } from "kafkajs";
import type { Kafka } from "kafkajs";
import { deadline } from "../../lib/deadline.ts";
import { UpstreamError } from "../../lib/errors.ts";
import { backoffDelay, delay } from "../../lib/retry.ts";
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from "../size.ts";
import type { Admin, GroupInfo, PartitionLag, TopicSpec } from "../types.ts";

/** A broker call as a retriable UpstreamError naming the action, bounded by a timeout. */
function brokerCall<T>(action: string, call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  return deadline(call(), timeoutMs).catch((err) => {
    if (err instanceof UpstreamError) throw err;
    throw new UpstreamError("BROKER_UNAVAILABLE", `${action} failed: ${(err as Error).message}`, {
      cause: err,
    });
  });
}

/** The admin side of the Kafka transport (exported for its unit tests). */
export class KafkaAdmin implements Admin {
  constructor(readonly raw: ReturnType<Kafka["admin"]>) {}

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    const timeoutMs = 60_000;
    const deadline = Date.now() + timeoutMs;
    return brokerCall("Creating topics", () => this.#ensureTopics(specs, deadline), timeoutMs);
  }

  /**
   * Creates the missing topics, then waits until every partition of every topic has a leader.
   * A broker answers metadata for a topic it has just created with UNKNOWN_TOPIC_OR_PARTITION for
   * a moment (longer on a loaded machine), which kafkajs's own `waitForLeaders` does not retry:
   * retriable broker errors are retried here until the deadline (which also ends this loop once
   * `brokerCall` has given up on it).
   */
  async #ensureTopics(specs: TopicSpec[], deadline: number): Promise<void> {
    const topics = specs.map((s) => s.topic);
    for (let attempt = 0;; attempt++) {
      let lastError: unknown;
      try {
        const existing = new Set(await this.raw.listTopics());
        const missing = specs.filter((s) => !existing.has(s.topic));
        if (missing.length > 0) {
          await this.raw.createTopics({
            waitForLeaders: false,
            topics: missing.map((s) => ({
              topic: s.topic,
              numPartitions: s.partitions,
              replicationFactor: -1,
              configEntries: s.retentionMs
                ? [{ name: "retention.ms", value: String(s.retentionMs) }]
                : [],
            })),
          });
        }
        if (await this.#haveLeaders(topics)) return;
      } catch (err) {
        // Another member creating the same topic at once is not an error.
        const e = err as { type?: string; retriable?: boolean };
        if (e.type !== "TOPIC_ALREADY_EXISTS" && e.retriable !== true) throw err;
        lastError = err;
      }
      if (Date.now() >= deadline) {
        throw lastError ?? new Error(`no leader for ${topics.join(", ")} in time`);
      }
      await delay(backoffDelay(attempt, { initialMs: 50, maxMs: 1_000 }));
    }
  }

  async #haveLeaders(topics: string[]): Promise<boolean> {
    const { topics: meta } = await this.raw.fetchTopicMetadata({ topics });
    return topics.every((t) => {
      const partitions = meta.find((m) => m.name === t)?.partitions ?? [];
      return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
    });
  }

  lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    return brokerCall("Reading the group's offsets", () => this.#lag(groupId, topic));
  }

  async #lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    // A pipeline that never ran has no topic yet: no partitions, no lag (not an error).
    if (!(await this.#exists(topic))) return [];
    const [ends, committed] = await Promise.all([
      this.raw.fetchTopicOffsets(topic),
      this.raw.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const byPartition = new Map<number, string>();
    for (const p of committed[0]?.partitions ?? []) byPartition.set(p.partition, p.offset);
    return ends.map((e) => {
      const c = byPartition.get(e.partition);
      const committedOffset = c === undefined || c === "-1" ? null : c;
      const from = committedOffset === null ? Number(e.low) : Number(committedOffset);
      return {
        partition: e.partition,
        committed: committedOffset,
        high: e.high,
        lag: Math.max(0, Number(e.high) - from),
      };
    }).sort((a, b) => a.partition - b.partition);
  }

  describeGroup(groupId: string): Promise<GroupInfo> {
    return brokerCall("Describing the group", () => this.#describeGroup(groupId));
  }

  async #describeGroup(groupId: string): Promise<GroupInfo> {
    const { groups } = await this.raw.describeGroups([groupId]);
    const g = groups[0];
    return { groupId, state: g?.state ?? "Unknown", members: g?.members.length ?? 0 };
  }

  topicSize(topic: string): Promise<number> {
    return brokerCall("Reading the topic's offsets", () => this.#topicSize(topic));
  }

  async #exists(topic: string): Promise<boolean> {
    return (await this.raw.listTopics()).includes(topic);
  }

  async #topicSize(topic: string): Promise<number> {
    if (!(await this.#exists(topic))) return 0;
    const ends = await this.raw.fetchTopicOffsets(topic);
    return ends.reduce((n, e) => n + Number(e.high), 0);
  }

  /**
   * The largest record batch `topic` accepts: its `max.message.bytes`, else the broker's
   * `message.max.bytes`, else Kafka's default.
   */
  maxMessageBytes(topic: string): Promise<number> {
    return brokerCall("Reading the topic's size limit", async () => {
      const fromTopic = await this.#config(ConfigResourceTypes.TOPIC, topic, "max.message.bytes")
        .catch(() => undefined);
      if (fromTopic) return fromTopic;
      const { brokers } = await this.raw.describeCluster();
      const fromBroker = brokers.length === 0 ? undefined : await this.#config(
        ConfigResourceTypes.BROKER,
        String(brokers[0].nodeId),
        "message.max.bytes",
      ).catch(() => undefined);
      return fromBroker ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    });
  }

  async #config(
    type: ConfigResourceTypes,
    name: string,
    key: string,
  ): Promise<number | undefined> {
    const { resources } = await this.raw.describeConfigs({
      includeSynonyms: false,
      resources: [{ type, name, configNames: [key] }],
    });
    const value = Number(
      resources[0]?.configEntries.find((e) => e.configName === key)?.configValue,
    );
    return Number.isFinite(value) && value > 0 ? value : undefined;
  }

  deleteTopics(topics: string[]): Promise<void> {
    return brokerCall("Deleting topics", async () => {
      const existing = new Set(await this.raw.listTopics());
      const present = topics.filter((t) => existing.has(t));
      if (present.length) await this.raw.deleteTopics({ topics: present });
    }, 30_000);
  }

  async ping(): Promise<void> {
    await brokerCall("Pinging the broker", () => this.raw.describeCluster());
  }

  async incarnation(): Promise<string> {
    const { clusterId } = await brokerCall(
      "Describing the cluster",
      () => this.raw.describeCluster(),
    );
    return `kafka:${clusterId}`;
  }

  close(): Promise<void> {
    return this.raw.disconnect();
  }
}
