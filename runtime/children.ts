/**
 * Child specs for the shapes every role is made of: an actor, an input (a consumer-group member
 * or any other `Consumer`) feeding a sibling actor, and the handle of a task that runs until it
 * is told to stop.
 */
import type { Actor } from "./actor.ts";
import type { ChildContext, ChildHandle, ChildSpec, RestartType } from "./supervisor.ts";
import type { Consumer, Envelope, Transport } from "../transport/types.ts";

export function actorChild<M>(
  id: string,
  make: (ctx: ChildContext) => Actor<M> | Promise<Actor<M>>,
  restart: RestartType = "permanent",
): ChildSpec {
  return {
    id,
    restart,
    start: async (ctx) => {
      const actor = (await make(ctx)).start();
      return {
        done: actor.done,
        stop: () => actor.stop(),
        close: (r) => actor.close(r),
        ref: actor,
      };
    },
  };
}

export interface InputChildOptions {
  /** Id of the sibling actor that receives the envelopes; it must start earlier. */
  targetId: string;
  /** How long a graceful stop may take, in ms. Default: the supervisor's (10_000). */
  shutdownMs?: number;
}

/** An input feeding the sibling actor `targetId`: made, started, stopped with the child. */
export function inputChild(
  id: string,
  o: InputChildOptions,
  make: (target: Actor<Envelope>, ctx: ChildContext) => Consumer,
): ChildSpec {
  return {
    id,
    restart: "permanent",
    shutdownMs: o.shutdownMs,
    start: async (ctx) => {
      const consumer = make(ctx.get<Actor<Envelope>>(o.targetId), ctx);
      await consumer.start();
      return {
        done: consumer.done,
        stop: () => consumer.stop(),
        close: () => void consumer.close(),
        ref: consumer,
      };
    },
  };
}

export interface ConsumerChildOptions {
  groupId: string;
  topics: string[];
  /** Id of the sibling actor that receives the envelopes; it must start earlier. */
  targetId: string;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  fetchMaxBytes?: { total: number; perPartition: number };
  /** Fetch on while the target works (see `ConsumerOptions.pipelined`). Default false. */
  pipelined?: boolean;
}

/** A consumer-group member of `transport` feeding the sibling actor `targetId`. */
export function consumerChild(
  id: string,
  transport: Transport,
  o: ConsumerChildOptions,
): ChildSpec {
  // A graceful stop waits for the in-flight batches' acks and commits.
  return inputChild(
    id,
    { targetId: o.targetId, shutdownMs: 30_000 },
    (target) =>
      transport.consumer({
        groupId: o.groupId,
        topics: o.topics,
        target,
        fromBeginning: o.fromBeginning ?? true,
        sessionTimeoutMs: o.sessionTimeoutMs,
        fetchMaxBytes: o.fetchMaxBytes,
        pipelined: o.pipelined,
      }),
  );
}

/**
 * The handle of a task that runs until `abort` is aborted: `stop` aborts and waits for it to
 * end, `close` only aborts.
 */
export function taskHandle<R>(done: Promise<void>, abort: AbortController, ref: R): ChildHandle<R> {
  return {
    done,
    ref,
    stop: async () => {
      abort.abort();
      await done.catch(() => {});
    },
    close: () => abort.abort(),
  };
}
