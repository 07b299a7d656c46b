/**
 * The Kafka consumer-group member: no auto-commit; each partition batch goes to the target with
 * acks and only the acked prefix is committed, with heartbeats while waiting. A batch made stale
 * by a rebalance is not committed (its new owner replays it, and writes are idempotent); a nack
 * seeks the partition back to the first unacked message.
 */
import type { Consumer as KConsumer, Kafka, KafkaMessage } from "kafkajs";
import { UpstreamError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { deliverBatch, handOver, rebalanceAwareHeartbeat } from "../_batch.ts";
import type { BatchHooks } from "../_batch.ts";
import { inHeaders } from "../_headers.ts";
import type { Consumer, ConsumerOptions, InMessage } from "../types.ts";
import type { GroupTimings } from "./transport.ts";
import type { StaleMembers } from "./_stale_members.ts";
import { type CommitFn, PipelinedCommits } from "./_pipelined.ts";

export class KafkaConsumer implements Consumer {
  readonly done: Promise<void>;
  #c: KConsumer;
  #opts: ConsumerOptions & GroupTimings;
  #log: Logger;
  #reject!: (e: Error) => void;
  #resolve!: () => void;
  /** Set when pipelined: the commits of what was handed over. */
  #pipe: PipelinedCommits | null = null;
  /** The pipelined batches being handed over now. */
  #handing = new Set<Promise<unknown>>();
  #stopping = false;

  constructor(
    kafka: Kafka,
    options: ConsumerOptions & GroupTimings,
    log: Logger,
    stale?: StaleMembers,
  ) {
    this.#opts = options;
    this.#log = log.child("consumer", { group: options.groupId });
    // A member that dies is noticed after the session timeout; one that stops leaves the group
    // at once (disconnect sends LeaveGroup), so its partitions move without waiting for it.
    // kafkajs 2.2.4 has no static membership (group.instance.id): a restarted member joins as
    // a new one.
    this.#c = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatMs ?? 1_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 20_000,
      maxWaitTimeInMs: 100,
      // Bounded in bytes: a fetch of small messages becomes that many objects in memory.
      maxBytes: options.fetchMaxBytes?.total ?? 1024 * 1024,
      maxBytesPerPartition: options.fetchMaxBytes?.perPartition ?? 256 * 1024,
      allowAutoTopicCreation: false,
      // A retriable failure (the broker away, its coordinator loading) is ridden out here:
      // kafkajs restarts the member after a short delay, as long as it takes, instead of
      // crashing it into the supervisor, whose restart intensity a broker restart would exhaust.
      // Other crashes go to the supervisor. The client's maxRetryTime caps the retries' delays.
      retry: { retries: 5, initialRetryTime: 200, restartOnFailure: () => Promise.resolve(true) },
    });
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => {});
    let memberId: string | null = null;
    this.#c.on(this.#c.events.CRASH, (e) => {
      const err = e.payload.error;
      // kafkajs has disconnected the member; if the broker was away, it never left its group.
      if (memberId) stale?.add(options.groupId, memberId);
      memberId = null;
      if (e.payload.restart) {
        this.#log.warn("consumer failed; rejoining", { reason: err.message });
        return;
      }
      this.#reject(
        new UpstreamError("CONSUMER_CRASHED", `Kafka consumer crashed: ${err.message}`, {
          cause: err,
        }),
      );
    });
    if (options.pipelined) {
      this.#pipe = new PipelinedCommits(
        (topic, partition, offset) => this.#c.seek({ topic, partition, offset }),
        this.#log,
      );
    }
    this.#c.on(this.#c.events.GROUP_JOIN, (e) => {
      memberId = e.payload.memberId;
      // Fetching restarts from the committed offsets: earlier hand-overs commit nothing more.
      this.#pipe?.forget();
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
        const messages: InMessage[] = batch.messages.map((m) => inMessage(topic, partition, m));
        const hooks: BatchHooks = {
          heartbeat,
          heartbeatMs: this.#opts.heartbeatMs ?? 1_000,
          pause: () => c.pause(tp),
          resume: () => this.#stopping || c.resume(tp),
          isRebalance: (err) =>
            REBALANCE_ERRORS.includes(String((err as { type?: unknown } | null)?.type)),
        };
        if (this.#pipe) {
          const commit = payload.commitOffsetsIfNecessary as CommitFn;
          const handing = this.#handOver(messages, hooks, commit, isStale);
          this.#handing.add(handing);
          const { handed, rebalance } = await handing.finally(() => this.#handing.delete(handing));
          // The fetch position moves on; commits follow the acks.
          if (handed > 0) resolveOffset(messages[handed - 1].offset);
          if (rebalance) {
            await this.#pipe.flush();
            this.#log.info("group rebalancing; rejoining", { topic, partition });
            throw rebalance;
          }
          return;
        }
        const outcome = await deliverBatch(messages, this.#opts.target, hooks);
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
    if (this.#pipe) {
      // Fetch and hand over nothing more (the rest is replayed), wait for the acks, commit.
      this.#stopping = true;
      this.#c.pause(this.#opts.topics.map((topic) => ({ topic })));
      await Promise.allSettled(this.#handing);
      await this.#pipe.drain();
    }
    await this.#c.disconnect();
    this.#resolve();
  }

  /** Hands a pipelined batch over, recording its acks for the commits. */
  async #handOver(
    messages: InMessage[],
    hooks: BatchHooks,
    commit: CommitFn,
    isStale: () => boolean,
  ): Promise<{ handed: number; rebalance: Error | null }> {
    const { topic, partition } = messages[0];
    const offsets = messages.map((m) => m.offset);
    const acks = this.#pipe!.track(topic, partition, offsets, commit);
    const { heartbeat, rebalance } = rebalanceAwareHeartbeat(hooks);
    const handed = await handOver(messages, this.#opts.target, acks, {
      ...hooks,
      heartbeat,
      heartbeatMs: hooks.heartbeatMs ?? 1_000,
      interrupted: () => rebalance() !== null || isStale() || this.#stopping,
    });
    return { handed, rebalance: rebalance() };
  }

  async close(): Promise<void> {
    await this.#c.disconnect().catch(() => {});
    this.#resolve();
  }
}

/** One record as handed over (one object per message, no spread: this runs per message). */
function inMessage(topic: string, partition: number, m: KafkaMessage): InMessage {
  const { headers, rawHeaders } = inHeaders(m.headers);
  const msg: InMessage = {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
    timestamp: m.timestamp,
  };
  if (rawHeaders) msg.rawHeaders = rawHeaders;
  return msg;
}

/** kafkajs error types that mean "rejoin the group" (its own `isRebalancing`). */
const REBALANCE_ERRORS = [
  "REBALANCE_IN_PROGRESS",
  "NOT_COORDINATOR_FOR_GROUP",
  "ILLEGAL_GENERATION",
];
