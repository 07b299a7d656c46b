/** Child specs shared by roles: an actor, and a consumer-group member feeding a sibling actor. */
import type { Actor } from "./actor.ts";
import type { ChildContext, ChildSpec, RestartType } from "./supervisor.ts";
import type { Envelope, Transport } from "../transport/mod.ts";

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

export interface ConsumerChildOptions {
  groupId: string;
  topics: string[];
  /** Id of the sibling actor that receives the envelopes; it must start earlier. */
  targetId: string;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

export function consumerChild(
  id: string,
  transport: Transport,
  o: ConsumerChildOptions,
): ChildSpec {
  return {
    id,
    restart: "permanent",
    shutdownMs: 30_000,
    start: async (ctx) => {
      const target = ctx.get<Actor<Envelope>>(o.targetId);
      const consumer = transport.consumer({
        groupId: o.groupId,
        topics: o.topics,
        target,
        fromBeginning: o.fromBeginning ?? true,
        sessionTimeoutMs: o.sessionTimeoutMs,
      });
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
