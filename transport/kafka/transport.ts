/**
 * The Kafka transport: one kafkajs client whose logs go through Sluice's logger, handing out the
 * producer (`producer.ts`), consumer-group members (`consumer.ts`) and one shared admin
 * (`admin.ts`).
 */
import { Kafka, logLevel as KafkaLogLevel, Partitioners } from "kafkajs";
import { UpstreamError } from "../../lib/errors.ts";
import { rootLogger } from "../../lib/log.ts";
import type { Logger } from "../../lib/log.ts";
import type { Admin, Consumer, ConsumerOptions, Producer, Transport } from "../types.ts";
import { KafkaAdmin } from "./admin.ts";
import { KafkaConsumer } from "./consumer.ts";
import { KafkaProducer } from "./producer.ts";
import { StaleMembers } from "./_stale_members.ts";
import { kafkaLogCreator } from "./_log.ts";
import { quietRequestQueues } from "./_request_queue.ts";
import { slabEncoding } from "./_slab.ts";
import { fastDecoding, fastVarints } from "./_varint.ts";

/** How consumer-group members keep their membership; see `consumer.ts`. */
export interface GroupTimings {
  /** A member silent this long is dropped from its group, in ms. Default 10_000. */
  sessionTimeoutMs?: number;
  /** Heartbeat interval, in ms; at most a third of the session. Default 1_000. */
  heartbeatMs?: number;
  /** How long a rebalance waits for members to rejoin, in ms. Default 20_000. */
  rebalanceTimeoutMs?: number;
}

export interface KafkaTransportOptions {
  brokers: string[];
  clientId?: string;
  logger?: Logger;
  /** Consumer-group timings, for every consumer of this transport. */
  group?: GroupTimings;
  /**
   * Largest delay between the client's retries and reconnects, in ms: a broker that comes back
   * is used within about this long. Default 2_000.
   */
  retryMaxMs?: number;
}

export class KafkaTransport implements Transport {
  readonly kind = "kafka" as const;
  readonly kafka: Kafka;
  #log: Logger;
  #partitionCounts = new Map<string, number>();
  #limits = new Map<string, Promise<number>>();
  #admin: Promise<Admin> | null = null;
  #group: GroupTimings;
  #stale: StaleMembers;

  constructor(options: KafkaTransportOptions) {
    this.#group = options.group ?? {};
    this.#log = (options.logger ?? rootLogger).child("kafka");
    quietRequestQueues();
    fastVarints();
    fastDecoding();
    slabEncoding();
    this.kafka = new Kafka({
      clientId: options.clientId ?? "sluice",
      brokers: options.brokers,
      logLevel: KafkaLogLevel.WARN,
      logCreator: kafkaLogCreator(this.#log),
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: options.retryMaxMs ?? 2_000 },
      connectionTimeout: 3_000,
    });
    this.#stale = new StaleMembers(this.kafka, this.#log);
  }

  async producer(): Promise<Producer> {
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Partitions are chosen in send() with this same partitioner (transport/_partition.ts).
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await p.connect().catch((err) => {
      throw new UpstreamError("BROKER_UNAVAILABLE", "Kafka does not answer", { cause: err });
    });
    return new KafkaProducer(p, {
      partitions: (topic) => this.partitions(topic),
      maxMessageBytes: (topic) => this.maxMessageBytes(topic),
      forgetLimit: (topic) => this.#limits.delete(topic),
    });
  }

  consumer(options: ConsumerOptions): Consumer {
    const o = { ...this.#group, ...dropUndefined(options) };
    return new KafkaConsumer(this.kafka, o, this.#log, this.#stale);
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

  /** A topic's `max.message.bytes` (else the broker's `message.max.bytes`), looked up once. */
  maxMessageBytes(topic: string): Promise<number> {
    let limit = this.#limits.get(topic);
    if (!limit) {
      limit = this.admin().then((a) => (a as KafkaAdmin).maxMessageBytes(topic));
      // A failed lookup is not cached: the next send asks again.
      limit.catch(() => this.#limits.delete(topic));
      this.#limits.set(topic, limit);
    }
    return limit;
  }

  async close(): Promise<void> {
    this.#stale.close();
    if (this.#admin) await (await this.#admin).close();
    this.#admin = null;
  }
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
