/**
 * The broker interface Sluice's actors use. Kafka (kafkajs) and the in-memory broker both
 * implement it with the same semantics: keyed partitions, offsets, consumer groups and manual
 * commits. The contract: a partition's offset is committed only up to the last message whose
 * ack succeeded, so a message is never committed before everything derived from it is stored.
 */

export type Headers = Record<string, string>;

/** Headers of a record to send: text, or bytes sent as they are (a dead letter's originals). */
export type OutHeaders = Record<string, string | Uint8Array>;

export interface OutRecord {
  /** Text (sent as UTF-8) or bytes sent as they are. */
  key?: string | Uint8Array | null;
  value: string | Uint8Array;
  headers?: OutHeaders;
  /** Explicit partition; otherwise chosen from the key (murmur2, as the Java client does). */
  partition?: number;
}

/** Where one produced message landed. */
export interface Delivery {
  topic: string;
  partition: number;
  offset: string;
}

export interface Producer {
  /** Resolves with one delivery per record, in input order, once every replica in sync has it. */
  send(topic: string, records: OutRecord[]): Promise<Delivery[]>;
  close(): Promise<void>;
}

export interface InMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Headers;
  /** The headers' bytes as received (`headers` has them decoded as UTF-8), when they differ. */
  rawHeaders?: Record<string, Uint8Array>;
  timestamp: string;
}

/** A message with its acknowledgement: ack once the work derived from it is stored. */
export interface Envelope {
  readonly message: InMessage;
  ack(): void;
  nack(error: Error): void;
}

/** Where a consumer hands its envelopes: an actor's mailbox, typically. */
export interface EnvelopeTarget {
  /** Non-blocking delivery; false when full (the consumer then pauses the partition). */
  offer(envelope: Envelope): boolean;
  /** Delivery that waits for space; rejects when the target has stopped. */
  tell(envelope: Envelope): Promise<void>;
}

/** A message to dead-letter: why, and fields logged with it (an `order_id`, say). */
export interface DeadLetter {
  env: Envelope;
  reason: string;
  fields?: Record<string, unknown>;
}

/**
 * Where an input's bad messages go, with their reason and original bytes: `<topic>.dlq` for a
 * Kafka input, the stream `<stream>.dlq` for a Redis input. The caller acks them afterwards, so
 * a poison message never stops its partition.
 */
export interface DeadLetterQueue {
  send(items: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  target: EnvelopeTarget;
  /** Where a new group starts. Default true (earliest). */
  fromBeginning?: boolean;
  /**
   * How long the broker waits for a silent member before rebalancing, in ms. Default: the
   * transport's (Kafka: 10_000).
   */
  sessionTimeoutMs?: number;
  /** Bound of one fetch in bytes, and of each partition's share of it (Kafka only). */
  fetchMaxBytes?: { total: number; perPartition: number };
  /** Interval between heartbeats, also while a batch waits for acks, in ms. Default 1_000. */
  heartbeatMs?: number;
  /**
   * Kafka only: hand each batch over and fetch the next while the target works, committing each
   * partition's acked prefix as the acks arrive (instead of waiting for a batch's acks before
   * the next fetch). The mailbox's bound is then the only bound on what is in flight. A
   * rebalance replays what was acked but not committed yet. Default false.
   */
  pipelined?: boolean;
}

export interface Consumer {
  /** Joins the group and starts delivering. */
  start(): Promise<void>;
  /** Rejects when the consumer fails in a way only a restart can mend. */
  readonly done: Promise<void>;
  /** Graceful: stop fetching, wait for the in-flight batches' acks, commit, leave the group. */
  stop(): Promise<void>;
  /** Immediate: leave without committing anything more. */
  close(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  retentionMs?: number;
}

export interface PartitionLag {
  partition: number;
  committed: string | null;
  high: string;
  lag: number;
}

export interface GroupInfo {
  groupId: string;
  state: string;
  members: number;
}

export interface Admin {
  /** Creates the topics that do not exist yet. */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  /** Committed offset, high watermark and lag of each partition of `topic` for `groupId`. */
  lag(groupId: string, topic: string): Promise<PartitionLag[]>;
  describeGroup(groupId: string): Promise<GroupInfo>;
  /** Sum of high watermarks: how many messages a topic has ever held (0 when absent). */
  topicSize(topic: string): Promise<number>;
  /** Throws when the broker does not answer. */
  ping(): Promise<void>;
  /** Deletes topics (those missing are ignored). */
  deleteTopics(topics: string[]): Promise<void>;
  /**
   * Names this broker's life: Kafka's cluster id, or a new id per in-memory broker. Offsets
   * saved outside the broker are only meaningful for the incarnation they were read from.
   */
  incarnation(): Promise<string>;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: "kafka" | "memory";
  producer(): Promise<Producer>;
  consumer(options: ConsumerOptions): Consumer;
  admin(): Promise<Admin>;
  close(): Promise<void>;
}

/** Headers put on a dead-letter record. */
export const DLQ_HEADERS = {
  reason: "x-dlq-reason",
  sourceTopic: "x-dlq-source-topic",
  sourcePartition: "x-dlq-source-partition",
  sourceOffset: "x-dlq-source-offset",
  /** On a bounded copy (the record was too large to dead-letter whole): its size in bytes, */
  originalSize: "x-dlq-original-size",
  /** the hex SHA-256 of its whole value, */
  sha256: "x-dlq-sha256",
  /** and how many bytes of the value the copy keeps (its prefix). */
  truncatedTo: "x-dlq-truncated-to",
} as const;

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}
