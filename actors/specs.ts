/**
 * The roles' child specs, each role's pipeline imported only when the process runs it: a
 * process of one role does not load (nor keep in memory) the code of every other pipeline.
 * Also what the roles use, for the start-up checks.
 */
import type { Config } from "../lib/config.ts";
import type { Needs } from "../lib/preflight.ts";
import type { ChildSpec } from "../runtime/supervisor.ts";
import type { Runtime } from "./resources.ts";
import { parseRoles, ROLES } from "./roles.ts";
import type { Role } from "./roles.ts";

/** Child specs for `all`, one role, or a comma-separated list of roles. */
export async function roleSpecs(
  rt: Runtime,
  roles: string,
  onListen?: (url: string, server: "API" | "ingest") => void,
): Promise<ChildSpec[]> {
  const all: Record<Role, () => Promise<ChildSpec>> = {
    "text-writer": async () => (await import("./text/role.ts")).textWriterRole(rt),
    "order-processor": async () => (await import("./orders/role.ts")).orderProcessorRole(rt),
    "order-producer": async () => (await import("./orders/role.ts")).orderProducerRole(rt),
    "firehose": async () => (await import("./social/role.ts")).firehoseRole(rt),
    "classifier": async () => (await import("./social/role.ts")).classifierRole(rt),
    "writer": async () => (await import("./social/role.ts")).writerRole(rt),
    "aggregator": async () => (await import("./trends/role.ts")).aggregatorRole(rt),
    "api": async () =>
      (await import("./api.ts")).apiRole(rt, onListen && ((url) => onListen(url, "API"))),
    "ingest": async () =>
      (await import("./finance/role.ts")).ingestRole(
        rt,
        onListen && ((url) => onListen(url, "ingest")),
      ),
    "market-feed": async () => (await import("./finance/role.ts")).marketFeedRole(rt),
    "sentiment": async () => (await import("./finance/mod.ts")).sentimentRole(rt),
  };
  const wanted = roles === "all" ? [...ROLES] : parseRoles(roles);
  return await Promise.all(wanted.map((r) => all[r]()));
}

/** What the given roles use, for the start-up checks (`lib/preflight.ts`). */
export function needsOf(roles: Role[], c: Config): Needs {
  const has = (...r: Role[]) => r.some((x) => roles.includes(x));
  const sinks = c.WRITER_SINKS.includes("auto")
    ? (c.MONGODB_URL ? ["mongodb"] : [])
    : c.WRITER_SINKS;
  return {
    kafka: true,
    database: has(
      "text-writer",
      "order-processor",
      "order-producer",
      "firehose",
      "writer",
      "aggregator",
      "sentiment",
      "api",
      "ingest",
    ),
    // Only a configured REDIS_URL is ever checked (lib/preflight.ts), so no test of it here.
    redis: has("aggregator", "api", "ingest") ||
      (has("writer") && c.CONSUMER_TYPE === "redis") ||
      (has("classifier") && c.CLASSIFIER_REDIS_OUTPUTS.length > 0),
    mongodb: has("writer") && sinks.includes("mongodb"),
    listen: [
      ...(has("api") ? ["PORT" as const] : []),
      ...(has("ingest") ? ["INGEST_PORT" as const] : []),
    ],
    replayFile: has("firehose"),
  };
}
