/**
 * An in-memory broker with Kafka's semantics: topics of partitions, keyed partitioning,
 * monotonic offsets, consumer groups with range-style assignment and rebalances on join and
 * leave, manual commits that only move forward. Used by `deno task dev` and unit tests; it is
 * not a replacement for Kafka in integration tests.
 */
import { AbortedError } from "../lib/errors.ts";
import { deliverBatch } from "./_batch.ts";
import { inHeaders } from "./_headers.ts";
import { partitionFor } from "./_partition.ts";
import {
  BATCH_OVERHEAD,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  recordBytes,
  sendBounded,
} from "./size.ts";
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

const encoder = new TextEncoder();
const MAX_BATCH = 2_000;

/** What the in-memory broker answers a request over its limit, shaped like kafkajs's error. */
export class MemoryBrokerSizeError extends Error {
  readonly type = "MESSAGE_TOO_LARGE";
  readonly retriable = false;
}

interface Topic {
  partitions: InMessage[][];
  waiters: Set<() => void>;
}

interface Group {
  members: MemoryConsumer[];
  committed: Map<string, number>;
  generation: number;
}

export class MemoryBroker {
  /** A new broker starts empty at offset 0: offsets kept elsewhere are void with it. */
  readonly incarnation = `memory:${crypto.randomUUID()}`;
  readonly topics = new Map<string, Topic>();
  readonly groups = new Map<string, Group>();
  defaultPartitions = 1;
  /**
   * The largest record batch one partition takes in one append, as Kafka's
   * `message.max.bytes` (default 1 MiB + 12); `topicLimits` overrides it per topic.
   */
  maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  readonly topicLimits = new Map<string, number>();
  /** Appends (produce requests) served, for tests of chunking. */
  appends = 0;

  /** The limit of `name`, as a topic's `max.message.bytes` would say. */
  limitOf(name: string): number {
    return this.topicLimits.get(name) ?? this.maxMessageBytes;
  }

  createTopic(name: string, partitions: number): void {
    if (this.topics.has(name)) return;
    this.topics.set(name, {
      partitions: Array.from({ length: partitions }, () => []),
      waiters: new Set(),
    });
  }

  topic(name: string): Topic {
    if (!this.topics.has(name)) this.createTopic(name, this.defaultPartitions);
    return this.topics.get(name)!;
  }

  /**
   * Appends records as one produce request: all or nothing, refused with a
   * `MemoryBrokerSizeError` when one partition's records exceed the topic's limit.
   */
  append(name: string, records: OutRecord[]): Delivery[] {
    const t = this.topic(name);
    const partitions = records.map((r) => {
      const partition = r.partition ?? partitionFor(name, r.key ?? null, t.partitions.length);
      if (partition < 0 || partition >= t.partitions.length) {
        throw new RangeError(`Partition ${partition} does not exist in topic ${name}`);
      }
      return partition;
    });
    const bytes = new Map<number, number>();
    records.forEach((r, i) => {
      bytes.set(partitions[i], (bytes.get(partitions[i]) ?? BATCH_OVERHEAD) + recordBytes(r));
    });
    this.appends++;
    const limit = this.limitOf(name);
    if ([...bytes.values()].some((b) => b > limit)) {
      throw new MemoryBrokerSizeError(`A record batch for ${name} exceeds ${limit} bytes`);
    }
    const out = records.map((r, i) => {
      const partition = partitions[i];
      const log = t.partitions[partition];
      const offset = String(log.length);
      log.push({
        topic: name,
        partition,
        offset,
        key: r.key == null ? null : typeof r.key === "string" ? encoder.encode(r.key) : r.key,
        value: typeof r.value === "string" ? encoder.encode(r.value) : r.value,
        ...inHeaders(r.headers),
        timestamp: String(Date.now()),
      });
      return { topic: name, partition, offset };
    });
    for (const w of [...t.waiters]) w();
    return out;
  }

  group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, g = { members: [], committed: new Map(), generation: 0 });
    return g;
  }

  rebalance(groupId: string): void {
    const g = this.group(groupId);
    g.generation++;
    const owners = new Map<MemoryConsumer, string[]>();
    for (const m of g.members) owners.set(m, []);
    let i = 0;
    const topics = [...new Set(g.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = g.members.filter((m) => m.topics.includes(topic));
      const t = this.topic(topic);
      for (let p = 0; p < t.partitions.length; p++) {
        owners.get(subscribers[i++ % subscribers.length])!.push(`${topic}:${p}`);
      }
    }
    for (const [m, parts] of owners) m.assign(parts, g.generation);
  }
}

class MemoryConsumer implements Consumer {
  readonly done: Promise<void>;
  readonly topics: string[];
  #broker: MemoryBroker;
  #opts: ConsumerOptions;
  #assigned = new Map<string, AbortController>();
  #loops = new Set<Promise<void>>();
  #generation = 0;
  #running = false;
  #stopped = new AbortController();
  #resolve!: () => void;

  constructor(broker: MemoryBroker, options: ConsumerOptions) {
    this.#broker = broker;
    this.#opts = options;
    this.topics = options.topics;
    this.done = new Promise((r) => (this.#resolve = r));
  }

  start(): Promise<void> {
    this.#running = true;
    const g = this.#broker.group(this.#opts.groupId);
    g.members.push(this);
    this.#broker.rebalance(this.#opts.groupId);
    return Promise.resolve();
  }

  assign(parts: string[], generation: number): void {
    this.#generation = generation;
    for (const [key, ctrl] of this.#assigned) {
      if (!parts.includes(key)) {
        ctrl.abort(new AbortedError(`Partition ${key} revoked`));
        this.#assigned.delete(key);
      }
    }
    for (const key of parts) {
      if (this.#assigned.has(key)) continue;
      const ctrl = new AbortController();
      this.#assigned.set(key, ctrl);
      const loop = this.#partitionLoop(key, ctrl.signal);
      this.#loops.add(loop);
      loop.finally(() => this.#loops.delete(loop));
    }
  }

  async #partitionLoop(key: string, signal: AbortSignal): Promise<void> {
    const [topic, p] = [
      key.slice(0, key.lastIndexOf(":")),
      Number(key.slice(key.lastIndexOf(":") + 1)),
    ];
    const g = this.#broker.group(this.#opts.groupId);
    const t = this.#broker.topic(topic);
    const fromBeginning = this.#opts.fromBeginning ?? true;
    let position = g.committed.get(key) ?? (fromBeginning ? 0 : t.partitions[p].length);
    while (!signal.aborted && this.#running) {
      const log = t.partitions[p];
      if (position >= log.length) {
        await waitForAppend(t, AbortSignal.any([signal, this.#stopped.signal]), 500);
        continue;
      }
      const generation = this.#generation;
      const batch = log.slice(position, position + MAX_BATCH);
      const outcome = await deliverBatch(batch, this.#opts.target, {
        heartbeatMs: this.#opts.heartbeatMs,
      });
      // A revoked partition is not committed: its new owner replays from the last commit.
      if (outcome.acked > 0 && !signal.aborted && generation === this.#generation) {
        const next = Number(batch[outcome.acked - 1].offset) + 1;
        if (next > (g.committed.get(key) ?? 0)) g.committed.set(key, next);
      }
      position += outcome.acked;
      if (outcome.error) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#stopped.abort();
    await Promise.all([...this.#loops]);
    this.#leave();
  }

  close(): Promise<void> {
    this.#running = false;
    this.#stopped.abort();
    for (const ctrl of this.#assigned.values()) ctrl.abort(new AbortedError("Consumer closed"));
    this.#leave();
    return Promise.resolve();
  }

  #leave(): void {
    const g = this.#broker.group(this.#opts.groupId);
    const idx = g.members.indexOf(this);
    if (idx >= 0) {
      g.members.splice(idx, 1);
      this.#assigned.clear();
      this.#broker.rebalance(this.#opts.groupId);
    }
    this.#resolve();
  }
}

function waitForAppend(t: Topic, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      t.waiters.delete(done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    t.waiters.add(done);
    signal.addEventListener("abort", done, { once: true });
  });
}

export class MemoryTransport implements Transport {
  readonly kind = "memory" as const;
  readonly broker: MemoryBroker;

  constructor(broker: MemoryBroker = new MemoryBroker()) {
    this.broker = broker;
  }

  producer(): Promise<Producer> {
    const broker = this.broker;
    return Promise.resolve({
      // Chunked under the topic's limit exactly as the Kafka producer is (`size.ts`).
      send: (topic: string, records: OutRecord[]) => {
        const n = broker.topic(topic).partitions.length;
        const partitions = records.map((r) => r.partition ?? partitionFor(topic, r.key ?? null, n));
        return sendBounded(
          topic,
          records,
          partitions,
          broker.limitOf(topic),
          (chunk, parts) =>
            Promise.resolve(
              broker.append(topic, chunk.map((r, i) => ({ ...r, partition: parts[i] }))),
            ),
        );
      },
      close: () => Promise.resolve(),
    });
  }

  consumer(options: ConsumerOptions): Consumer {
    return new MemoryConsumer(this.broker, options);
  }

  admin(): Promise<Admin> {
    const broker = this.broker;
    return Promise.resolve({
      ensureTopics(specs: TopicSpec[]) {
        for (const s of specs) broker.createTopic(s.topic, s.partitions);
        return Promise.resolve();
      },
      lag(groupId: string, topic: string): Promise<PartitionLag[]> {
        const g = broker.group(groupId);
        const t = broker.topics.get(topic);
        return Promise.resolve((t?.partitions ?? []).map((log, partition) => {
          const c = g.committed.get(`${topic}:${partition}`);
          return {
            partition,
            committed: c === undefined ? null : String(c),
            high: String(log.length),
            lag: log.length - (c ?? 0),
          };
        }));
      },
      describeGroup(groupId: string): Promise<GroupInfo> {
        const g = broker.group(groupId);
        const state = g.members.length > 0 ? "Stable" : "Empty";
        return Promise.resolve({ groupId, state, members: g.members.length });
      },
      topicSize(topic: string): Promise<number> {
        const t = broker.topics.get(topic);
        return Promise.resolve(t ? t.partitions.reduce((n, log) => n + log.length, 0) : 0);
      },
      ping: () => Promise.resolve(),
      incarnation: () => Promise.resolve(broker.incarnation),
      deleteTopics(topics: string[]) {
        for (const t of topics) broker.topics.delete(t);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
