/**
 * The supervised workers, grouped by pipeline (`text/`, `orders/`, `social/`, `trends/`,
 * `finance/`), and
 * the roles `main.ts <role>` runs. Each role is a child spec started under the process's root
 * supervisor; `all` runs every role in one process. A pipeline's workers, role wiring
 * (`role.ts`) and store (`store.ts`) are in its folder; `_role.ts` is the shell every pipeline
 * role shares, `resources.ts` what a process's roles share (transport, database, producer).
 */
import type { Config } from "../lib/config.ts";
import type { Needs } from "../lib/preflight.ts";
import type { ChildSpec } from "../runtime/supervisor.ts";
import { apiRole } from "./api.ts";
import type { Runtime } from "./resources.ts";
import { parseRoles, ROLES } from "./roles.ts";
import type { Role } from "./roles.ts";
import { textWriterRole } from "./text/role.ts";
import { orderProcessorRole, orderProducerRole } from "./orders/role.ts";
import { classifierRole, firehoseRole, writerRole } from "./social/role.ts";
import { aggregatorRole } from "./trends/role.ts";
import { ingestRole, marketFeedRole } from "./finance/role.ts";
import { sentimentRole } from "./finance/mod.ts";

export { Runtime } from "./resources.ts";
export { parseRoles, ROLES } from "./roles.ts";
export type { Role } from "./roles.ts";
export { ensureTopic, supervisorOptions } from "./_role.ts";
export { apiRole } from "./api.ts";
export { textWriterRole } from "./text/role.ts";
export { orderProcessorRole, orderProducerRole } from "./orders/role.ts";
export { classifierRole, firehoseRole, writerRole } from "./social/role.ts";
export { aggregatorRole, trendCache } from "./trends/role.ts";
export { ingestRole, marketFeedRole } from "./finance/role.ts";
export { sentimentRole } from "./finance/mod.ts";

/** Child specs for `all`, one role, or a comma-separated list of roles. */
export function roleSpecs(
  rt: Runtime,
  roles: string,
  onListen?: (url: string, server: "API" | "ingest") => void,
): ChildSpec[] {
  const all: Record<Role, () => ChildSpec> = {
    "text-writer": () => textWriterRole(rt),
    "order-processor": () => orderProcessorRole(rt),
    "order-producer": () => orderProducerRole(rt),
    "firehose": () => firehoseRole(rt),
    "classifier": () => classifierRole(rt),
    "writer": () => writerRole(rt),
    "aggregator": () => aggregatorRole(rt),
    "api": () => apiRole(rt, onListen && ((url) => onListen(url, "API"))),
    "ingest": () => ingestRole(rt, onListen && ((url) => onListen(url, "ingest"))),
    "market-feed": () => marketFeedRole(rt),
    "sentiment": () => sentimentRole(rt),
  };
  const wanted = roles === "all" ? [...ROLES] : parseRoles(roles);
  return wanted.map((r) => all[r]());
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
