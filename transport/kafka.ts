/**
 * Kafka through kafkajs behind Sluice's transport interface. Producer: acks from all in-sync
 * replicas, idempotent, keyed partitions computed here (Java-compatible murmur2) so that every
 * message gets its own delivery result. Consumer: no auto-commit; each partition batch goes to
 * the target with acks and only the acked prefix is committed, with heartbeats while waiting;
 * a batch made stale by a rebalance is not committed (its new owner replays it, and writes are
 * idempotent).
 */
import { Buffer } from "node:buffer";
import { Kafka, logLevel as KafkaLogLevel, Partitioners } from "kafkajs";
import type { Consumer as KConsumer, LogEntry, Producer as KProducer } from "kafkajs";
import { UpstreamError } from "../lib/errors.ts";
import { rootLogger } from "../lib/log.ts";
import type { Logger } from "../lib/log.ts";
import { backoffDelay, delay, retry } from "../lib/retry.ts";
import { deliverBatch } from "./_batch.ts";
import { partitionFor } from "./_partition.ts";
import type {
  Admin,
  Consumer,
  ConsumerOptions,
  Delivery,
  GroupInfo,
  InMessage,
  OutRecord,
  PartitionLag,
  Producer,
  TopicSpec,
  Transport,
} from "./types.ts";

export interface KafkaTransportOptions {
  brokers: string[];
  clientId?: string;
  logger?: Logger;
}

const decoder = new TextDecoder();

/** How long a repeated kafkajs error (same namespace, message and error) is logged at debug. */
const REPEAT_QUIET_MS = 30_000;

function kafkaLogCreator(log: Logger) {
  const lastSeen = new Map<string, number>();
  return () => ({ namespace, level, log: entry }: LogEntry) => {
    // Stacks of the client's internals say nothing to an operator; the message and error do.
    const { message, stack: _stack, ...fields } = entry as LogEntry["log"] & { stack?: string };
    const f = { kafkajs: namespace, ...fields };
    // Retries are bounded on purpose (a send must fail rather than hang); the client's EoS
    // warning about that is expected, not actionable.
    if (message.startsWith("Limiting retries for the idempotent producer")) {
      log.debug(message, f);
      return;
    }
    if (level !== KafkaLogLevel.ERROR && level !== KafkaLogLevel.WARN) {
      log.debug(message, f);
      return;
    }
    // An unreachable broker makes every retrier log the same failure: once per interval is
    // enough, the rest go to debug.
    const key = `${namespace}|${message}|${String((fields as { error?: unknown }).error ?? "")}`;
    const now = Date.now();
    const last = lastSeen.get(key);
    if (last !== undefined && now - last < REPEAT_QUIET_MS) {
      log.debug(message, f);
      return;
    }
    if (lastSeen.size > 1_000) lastSeen.clear();
    lastSeen.set(key, now);
    if (level === KafkaLogLevel.ERROR) log.error(message, f);
    else log.warn(message, f);
  };
}

export class KafkaTransport implements Transport {
  readonly kind = "kafka" as const;
  readonly kafka: Kafka;
  #log: Logger;
  #partitionCounts = new Map<string, number>();
  #admin: Promise<Admin> | null = null;

  constructor(options: KafkaTransportOptions) {
    this.#log = (options.logger ?? rootLogger).child("kafka");
    this.kafka = new Kafka({
      clientId: options.clientId ?? "sluice",
      brokers: options.brokers,
      logLevel: KafkaLogLevel.WARN,
      logCreator: kafkaLogCreator(this.#log),
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2_000 },
      connectionTimeout: 3_000,
    });
  }

  async producer(): Promise<Producer> {
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Partitions are chosen in send() (same murmur2); this only silences the v2 warning.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await p.connect().catch((err) => {
      throw new UpstreamError("BROKER_UNAVAILABLE", "Kafka does not answer", { cause: err });
    });
    return new KafkaProducer(p, this);
  }

  consumer(options: ConsumerOptions): Consumer {
    return new KafkaConsumer(this.kafka, options, this.#log);
  }

  admin(): Promise<Admin> {
    if (!this.#admin) {
      const connecting = (async () => {
        const a = this.kafka.admin();
        await a.connect().catch((err) => {
          throw new UpstreamError("BROKER_UNAVAILABLE", "Kafka does not answer", { cause: err });
        });
        return new KafkaAdmin(a);
      })();
      // A failed connect is not cached: the next call tries again.
      connecting.catch(() => {
        if (this.#admin === connecting) this.#admin = null;
      });
      this.#admin = connecting;
    }
    return this.#admin;
  }

  /** Partition count of a topic, looked up once. */
  async partitions(topic: string): Promise<number> {
    let n = this.#partitionCounts.get(topic);
    if (n === undefined) {
      const admin = (await this.admin()) as KafkaAdmin;
      const meta = await admin.raw.fetchTopicMetadata({ topics: [topic] }).catch((err) => {
        throw new UpstreamError("TOPIC_MISSING", `Topic ${topic} is not available`, { cause: err });
      });
      n = meta.topics[0]?.partitions.length ?? 0;
      if (n === 0) throw new UpstreamError("TOPIC_MISSING", `Topic ${topic} does not exist`);
      this.#partitionCounts.set(topic, n);
    }
    return n;
  }

  async close(): Promise<void> {
    if (this.#admin) await (await this.#admin).close();
    this.#admin = null;
  }
}

class KafkaProducer implements Producer {
  constructor(private p: KProducer, private t: KafkaTransport) {}

  async send(topic: string, records: OutRecord[]): Promise<Delivery[]> {
    if (records.length === 0) return [];
    const n = await this.t.partitions(topic);
    const partitions = records.map((r) => r.partition ?? partitionFor(r.key ?? null, n));
    const messages = records.map((r, i) => ({
      key: r.key ?? null,
      value: typeof r.value === "string" ? r.value : Buffer.from(r.value),
      headers: r.headers,
      partition: partitions[i],
    }));
    const meta = await retry(() => this.p.send({ topic, messages, acks: -1 }), {
      retries: 3,
      initialMs: 200,
    }).catch((err) => {
      throw new UpstreamError("PRODUCE_FAILED", `Producing to ${topic} failed`, { cause: err });
    });
    const base = new Map<number, bigint>();
    for (const m of meta) base.set(m.partition, BigInt(m.baseOffset ?? m.offset ?? "0"));
    const seen = new Map<number, bigint>();
    return partitions.map((partition) => {
      const k = seen.get(partition) ?? 0n;
      seen.set(partition, k + 1n);
      return { topic, partition, offset: String((base.get(partition) ?? 0n) + k) };
    });
  }

  close(): Promise<void> {
    return this.p.disconnect();
  }
}

class KafkaConsumer implements Consumer {
  readonly done: Promise<void>;
  #c: KConsumer;
  #opts: ConsumerOptions;
  #log: Logger;
  #reject!: (e: Error) => void;
  #resolve!: () => void;

  constructor(kafka: Kafka, options: ConsumerOptions, log: Logger) {
    this.#opts = options;
    this.#log = log.child("consumer", { group: options.groupId });
    this.#c = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 2 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, restartOnFailure: () => Promise.resolve(false) },
    });
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => {});
    this.#c.on(this.#c.events.CRASH, (e) => {
      const err = e.payload.error;
      this.#reject(
        new UpstreamError("CONSUMER_CRASHED", `Kafka consumer crashed: ${err.message}`, {
          cause: err,
        }),
      );
    });
    this.#c.on(this.#c.events.GROUP_JOIN, (e) => {
      this.#log.info("joined group", {
        memberId: e.payload.memberId,
        assignment: e.payload.memberAssignment,
      });
    });
  }

  async start(): Promise<void> {
    const c = this.#c;
    await c.connect();
    await c.subscribe({
      topics: this.#opts.topics,
      fromBeginning: this.#opts.fromBeginning ?? true,
    });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 8,
      eachBatch: async (payload) => {
        const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const { topic, partition } = batch;
        const tp = [{ topic, partitions: [partition] }];
        const messages: InMessage[] = batch.messages.map((m) => ({
          topic,
          partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: decodeHeaders(m.headers),
          timestamp: m.timestamp,
        }));
        const outcome = await deliverBatch(messages, this.#opts.target, {
          heartbeat,
          heartbeatMs: this.#opts.heartbeatMs ?? 1_000,
          pause: () => c.pause(tp),
          resume: () => c.resume(tp),
          isRebalance: (err) =>
            REBALANCE_ERRORS.includes(String((err as { type?: unknown } | null)?.type)),
        });
        if (outcome.acked > 0) {
          const last = messages[outcome.acked - 1].offset;
          resolveOffset(last);
          if (isStale()) {
            // A seek is pending (a nack of this partition): the seek decides where it resumes.
            this.#log.info("skipping commit of a partition with a pending seek", {
              topic,
              partition,
            });
          } else {
            const offset = String(BigInt(last) + 1n);
            // Not consumer.commitOffsets: it silently skips the commit once stop() has begun,
            // which would lose the commits of the batch a graceful stop is waiting for.
            const topics = [{ topic, partitions: [{ partition, offset }] }];
            await payload.commitOffsetsIfNecessary({ topics }).then(
              () => this.#log.debug("committed", { topic, partition, offset }),
            ).catch((err) =>
              this.#log.warn("commit failed; the next owner replays", {
                topic,
                partition,
                offset,
                err,
              })
            );
          }
        }
        if (outcome.rebalance) {
          // The acked prefix is committed above, with the generation that is ending; the rest
          // is replayed by the partition's next owner. kafkajs rejoins on this error.
          this.#log.info("group rebalancing during a batch; rejoining", {
            topic,
            partition,
            acked: outcome.acked,
            of: messages.length,
          });
          throw outcome.rebalance;
        }
        if (outcome.error) {
          const offset = messages[outcome.acked].offset;
          this.#log.warn("message nacked; seeking back", {
            topic,
            partition,
            offset,
            err: outcome.error,
          });
          if (!isStale()) c.seek({ topic, partition, offset });
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.#c.disconnect();
    this.#resolve();
  }

  async close(): Promise<void> {
    await this.#c.disconnect().catch(() => {});
    this.#resolve();
  }
}

/** kafkajs error types that mean "rejoin the group" (its own `isRebalancing`). */
const REBALANCE_ERRORS = [
  "REBALANCE_IN_PROGRESS",
  "NOT_COORDINATOR_FOR_GROUP",
  "ILLEGAL_GENERATION",
];

function decodeHeaders(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = typeof v === "string" ? v : decoder.decode(v as Uint8Array);
  }
  return out;
}

/** A broker call as a retriable UpstreamError naming the action, bounded by a timeout. */
function brokerCall<T>(action: string, call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([call(), timeout]).catch((err) => {
    if (err instanceof UpstreamError) throw err;
    throw new UpstreamError("BROKER_UNAVAILABLE", `${action} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }).finally(() => clearTimeout(timer));
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
