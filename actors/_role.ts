/**
 * The shell every pipeline role shares: a `rest_for_one` supervisor over the worker actor and
 * the input feeding it (a crashed worker takes its input down with it, so the input rejoins and
 * replays from the last committed offset or pending entry), then the role's own resources
 * released after both have stopped. Also the supervisor options and topic creation every role
 * uses.
 */
import type { Actor } from "../runtime/actor.ts";
import { actorChild, consumerChild, inputChild } from "../runtime/children.ts";
import { Supervisor } from "../runtime/supervisor.ts";
import type { ChildContext, ChildSpec, RestartType } from "../runtime/supervisor.ts";
import { ConfigError } from "../lib/errors.ts";
import { dlqTopic } from "../transport/mod.ts";
import type { Consumer, Envelope } from "../transport/mod.ts";
import type { Runtime } from "./resources.ts";
import { initDeadLetters, messagesConsumed } from "../lib/metrics.ts";

export function supervisorOptions(rt: Runtime, name: string) {
  const c = rt.config;
  return {
    name,
    intensity: c.SUPERVISOR_MAX_RESTARTS,
    periodMs: c.SUPERVISOR_PERIOD_S * 1000,
    backoff: { initialMs: c.SUPERVISOR_BACKOFF_MS, maxMs: c.SUPERVISOR_BACKOFF_MAX_MS },
    logger: rt.log,
  };
}

/** Creates the topic and its dead-letter topic if missing. */
export async function ensureTopic(
  rt: Runtime,
  topic: string,
  partitions = rt.config.TOPIC_PARTITIONS,
  retentionMs = rt.config.TOPIC_RETENTION_MS,
): Promise<void> {
  const admin = await rt.admin();
  await admin.ensureTopics([
    { topic, partitions, retentionMs },
    { topic: dlqTopic(topic), partitions: 1, retentionMs },
  ]);
}

/** A consumer group of the process's transport. */
export interface GroupInput {
  groupId: string;
  topics: string[];
  /** Fetch on while the worker stores (see `ConsumerOptions.pipelined`). Default false. */
  pipelined?: boolean;
}

/** What a pipeline role runs, made fresh on each start of the role. */
export interface Pipeline {
  /** Child id of the worker actor. */
  workerId: string;
  worker: (ctx: ChildContext) => Actor<Envelope> | Promise<Actor<Envelope>>;
  /** The input: a consumer group, or any other consumer (a Redis reader) feeding the worker. */
  input: GroupInput | ((target: Actor<Envelope>, ctx: ChildContext) => Consumer);
  /** Runs first on a graceful stop (to let go of a batch held through an outage). */
  beforeStop?: () => void;
  /** Releases the role's own resources once its children stopped (graceful). */
  release?: () => Promise<void>;
  /** Releases them at once (immediate close). Default: `release`, not awaited. */
  abandon?: () => void;
  /** Logged once the children run. */
  started?: { msg: string; fields?: Record<string, unknown> };
}

export interface PipelineRoleOptions {
  /** The role's name: its child id and its supervisor's name. */
  id: string;
  restart?: RestartType;
  /** Prepares what the role needs (migrations, topics, stores) and describes its pipeline. */
  setup: (ctx: ChildContext) => Promise<Pipeline>;
}

export function pipelineRole(rt: Runtime, o: PipelineRoleOptions): ChildSpec {
  const c = rt.config;
  return {
    id: o.id,
    restart: o.restart,
    shutdownMs: c.SHUTDOWN_TIMEOUT_MS,
    start: async (ctx) => {
      const p = await o.setup(ctx);
      let worker: Actor<Envelope> | null = null;
      const makeWorker = async (wctx: ChildContext) => (worker = await p.worker(wctx));
      if (typeof p.input !== "function") p.input.topics.forEach(initInputMetrics);
      const input = typeof p.input === "function"
        ? inputChild("consumer", { targetId: p.workerId }, p.input)
        : consumerChild("consumer", rt.transport, {
          ...p.input,
          targetId: p.workerId,
          sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
          fetchMaxBytes: {
            total: c.KAFKA_FETCH_MAX_BYTES,
            perPartition: c.KAFKA_FETCH_PARTITION_BYTES,
          },
        });
      const sup = await new Supervisor(
        [actorChild(p.workerId, makeWorker), input],
        { ...supervisorOptions(rt, o.id), strategy: "rest_for_one" },
      ).start();
      if (p.started) ctx.logger.info(p.started.msg, p.started.fields);
      const release = p.release ?? (() => Promise.resolve());
      const abandon = p.abandon ?? (() => void release());
      return {
        done: sup.done,
        ref: sup,
        stop: async () => {
          p.beforeStop?.();
          const stopped = sup.stop();
          // The input stops first and waits for its in-flight batches: a batch held in a retry
          // (the database is down) is let go now, nacked and not committed, so a stop during an
          // outage ends at once instead of at the shutdown deadline.
          worker?.interrupt();
          await stopped;
          await release();
        },
        close: (reason?: Error) => {
          sup.close(reason);
          abandon();
        },
      };
    },
  };
}

/** An input topic's series start at zero, so a first dead letter shows as an increase. */
function initInputMetrics(topic: string): void {
  initDeadLetters(topic);
  messagesConsumed.inc({ topic }, 0);
}

/** Deno.serve, with a busy or forbidden port turned into one non-retriable line naming the variable. */
export function serveOrExplain(
  host: string,
  port: number,
  serve: () => Deno.HttpServer,
  variable = "PORT",
): Deno.HttpServer {
  try {
    return serve();
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse || err instanceof Deno.errors.PermissionDenied) {
      const why = err instanceof Deno.errors.AddrInUse ? "is already in use" : "is not allowed";
      throw new ConfigError([{ variable, message: `${variable}=${port} on HOST=${host} ${why}` }]);
    }
    throw err;
  }
}
