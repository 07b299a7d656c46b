/** The actor runtime: bounded mailboxes, actors and OTP-style supervisors. */
export * from "./mailbox.ts";
export * from "./actor.ts";
export * from "./supervisor.ts";
export * from "../transport/dead_letters.ts";
export * from "../actors/text/writer.ts";
