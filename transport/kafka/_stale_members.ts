/**
 * Group members this process lost without leaving (the broker was away when they crashed, so
 * their LeaveGroup never arrived). Until the coordinator drops such a member, at the end of its
 * session counted from when the broker is back, every rebalance of its group waits for it and
 * the group's partitions stand still. So each one is made to leave on its behalf (LeaveGroup with
 * its member id) as soon as the broker answers.
 *
 * kafkajs 2.2.4 has no public call for this (nor static membership, which would avoid it): its
 * cluster is reached through the client's private factory. Where that is not there (another
 * kafkajs), nothing is sent and the member expires as before.
 */
import type { Kafka } from "kafkajs";
import type { Logger } from "../../lib/log.ts";
import { backoffDelay, delay } from "../../lib/retry.ts";

interface Coordinator {
  leaveGroup(o: { groupId: string; memberId: string }): Promise<unknown>;
}

interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(o: { groupId: string }): Promise<Coordinator>;
}

type CreateCluster = (o: Record<string, unknown>) => Cluster;

function clusterFactory(kafka: Kafka): CreateCluster | null {
  const key = Object.getOwnPropertySymbols(kafka).find((s) =>
    s.description === "private:Kafka:createCluster"
  );
  const f = key && (kafka as unknown as Record<symbol, unknown>)[key];
  return typeof f === "function" ? (f as CreateCluster) : null;
}

/** Whether the coordinator no longer knows the member (it left or expired already). */
function gone(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === "UNKNOWN_MEMBER_ID" || type === "GROUP_ID_NOT_FOUND";
}

export class StaleMembers {
  #create: CreateCluster | null;
  #log: Logger;
  #pending = new Map<string, Set<string>>();
  #draining: Promise<void> | null = null;
  #closed = new AbortController();

  constructor(kafka: Kafka, log: Logger) {
    this.#create = clusterFactory(kafka);
    this.#log = log;
  }

  /** `memberId` of `groupId` may still be in its group: make it leave once the broker answers. */
  add(groupId: string, memberId: string): void {
    if (!this.#create || this.#closed.signal.aborted) return;
    const ids = this.#pending.get(groupId) ?? new Set();
    ids.add(memberId);
    this.#pending.set(groupId, ids);
    this.#draining ??= this.#drain().finally(() => (this.#draining = null));
  }

  /** Stops trying (the process is closing). */
  close(): void {
    this.#closed.abort();
  }

  async #drain(): Promise<void> {
    for (let attempt = 0; this.#pending.size > 0 && !this.#closed.signal.aborted; attempt++) {
      try {
        await this.#leaveAll();
      } catch (err) {
        this.#log.debug("stale members not removed yet", { err, attempt });
        await delay(backoffDelay(attempt, { initialMs: 200, maxMs: 1_000 }), this.#closed.signal)
          .catch(() => {});
      }
    }
  }

  async #leaveAll(): Promise<void> {
    const cluster = this.#create!({ allowAutoTopicCreation: false });
    try {
      await cluster.connect();
      for (const [groupId, ids] of this.#pending) {
        const coordinator = await cluster.findGroupCoordinator({ groupId });
        for (const memberId of [...ids]) {
          await coordinator.leaveGroup({ groupId, memberId }).then(
            () =>
              this.#log.info("a member lost in an outage left its group", { groupId, memberId }),
            (err) => {
              if (!gone(err)) throw err;
            },
          );
          ids.delete(memberId);
        }
        this.#pending.delete(groupId);
      }
    } finally {
      await cluster.disconnect().catch(() => {});
    }
  }
}
