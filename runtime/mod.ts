/**
 * The actor runtime: bounded mailboxes, actors, OTP-style supervisors, the child specs roles are
 * made of, and the batch-worker skeleton of every consumer worker. It knows nothing of the
 * pipelines it runs (it imports only `lib/` and the transport's interface).
 */
export * from "./mailbox.ts";
export * from "./actor.ts";
export * from "./supervisor.ts";
export * from "./children.ts";
export * from "./batch_worker.ts";
