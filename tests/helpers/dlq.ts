/**
 * Setup for the bounded-producer and dead-letter tests: roles run in this process under a root
 * supervisor (so a test can assert that nothing crashed or escalated), and records produced
 * gzip-compressed the way a foreign producer may, so a topic can hold a record larger than the
 * broker takes uncompressed.
 */
import { Buffer } from "node:buffer";
import { CompressionTypes } from "kafkajs";
import { Runtime } from "../../actors/resources.ts";
import { supervisorOptions } from "../../actors/mod.ts";
import { Supervisor } from "../../runtime/supervisor.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import type { InMessage } from "../../transport/mod.ts";
import type { Sandbox } from "./mod.ts";

/** Roles running in this process on the sandbox's Kafka and database. */
export async function runInProcess(s: Sandbox, roles: (rt: Runtime) => ChildSpec[]) {
  const rt = new Runtime(s.config, { transport: s.kafka });
  const root = new Supervisor(roles(rt), supervisorOptions(rt, "test"));
  rt.root = root;
  await root.start();
  return {
    rt,
    root,
    /** Crashes of any child since start (0: nothing failed, nothing escalated). */
    restarts: () => root.totalRestarts(),
    failed: () => root.states().filter((c) => c.status === "failed"),
    async stop() {
      await root.stop();
      await rt.close();
    },
  };
}

/** Produces raw records with gzip, as one request per `chunk` records (kafkajs directly). */
export async function produceCompressed(
  s: Sandbox,
  topic: string,
  records: Array<
    { key?: Uint8Array | string | null; value: Uint8Array | string; partition?: number }
  >,
  chunk = 500,
): Promise<void> {
  // Idempotent: a retried request (a new topic's leader not known yet) must not add copies.
  const p = s.kafka.kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await p.connect();
  try {
    for (let i = 0; i < records.length; i += chunk) {
      await p.send({
        topic,
        compression: CompressionTypes.GZIP,
        acks: -1,
        messages: records.slice(i, i + chunk).map((r) => ({
          key: r.key == null ? null : typeof r.key === "string" ? r.key : Buffer.from(r.key),
          value: typeof r.value === "string" ? r.value : Buffer.from(r.value),
          partition: r.partition ?? 0,
        })),
      });
    }
  } finally {
    await p.disconnect();
  }
}

/** Whether a group's committed offsets reached the end of every partition of a topic. */
export async function drained(s: Sandbox, group: string, topic: string): Promise<boolean> {
  const lag = await (await s.kafka.admin()).lag(group, topic);
  return lag.length > 0 && lag.every((p) => p.committed !== null && p.lag === 0);
}

/** Source offsets of dead letters, as numbers, sorted. */
export function sourceOffsets(dead: InMessage[]): number[] {
  return dead.map((m) => Number(m.headers["x-dlq-source-offset"])).sort((a, b) => a - b);
}
