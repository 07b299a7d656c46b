/**
 * Roles: what `main.ts <role>` runs. Each role is a child spec started under the process's root
 * supervisor; `all` runs every role in one process.
 */
import type { ChildSpec } from "../actors/supervisor.ts";
import type { Config } from "../lib/config.ts";
import type { Needs } from "../lib/preflight.ts";
import { apiRole } from "./api.ts";
import type { Runtime } from "./runtime.ts";
import { textWriterRole } from "./text_writer.ts";
import { orderProcessorRole, orderProducerRole } from "./orders.ts";
import { classifierRole, firehoseRole, writerRole } from "./social.ts";
import { aggregatorRole } from "./trends.ts";

export { Runtime } from "./runtime.ts";
export { ensureTopic, supervisorOptions, textWriterRole } from "./text_writer.ts";
export { apiRole } from "./api.ts";
export { orderProcessorRole, orderProducerRole } from "./orders.ts";
export { classifierRole, firehoseRole, firehoseStatus, writerRole } from "./social.ts";
export { aggregatorRole, trendCache } from "./trends.ts";

export const ROLES = [
  "text-writer",
  "order-processor",
  "order-producer",
  "firehose",
  "classifier",
  "writer",
  "aggregator",
  "api",
] as const;
export type Role = typeof ROLES[number];

/** Child specs for `all`, one role, or a comma-separated list of roles. */
export function roleSpecs(
  rt: Runtime,
  roles: string,
  onListen?: (url: string) => void,
): ChildSpec[] {
  const all: Record<Role, () => ChildSpec> = {
    "text-writer": () => textWriterRole(rt),
    "order-processor": () => orderProcessorRole(rt),
    "order-producer": () => orderProducerRole(rt),
    "firehose": () => firehoseRole(rt),
    "classifier": () => classifierRole(rt),
    "writer": () => writerRole(rt),
    "aggregator": () => aggregatorRole(rt),
    "api": () => apiRole(rt, onListen),
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
      "api",
    ),
    redis: has("aggregator", "api") ||
      (has("writer") && c.CONSUMER_TYPE === "redis") ||
      (has("classifier") && c.CLASSIFIER_REDIS_OUTPUTS.length > 0),
    mongodb: has("writer") && sinks.includes("mongodb"),
    listen: has("api"),
    replayFile: has("firehose"),
  };
}

/** `a,b` → [a, b]; throws RangeError naming an unknown role. */
export function parseRoles(roles: string): Role[] {
  const list = roles.split(",").map((r) => r.trim()).filter(Boolean);
  for (const r of list) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new RangeError(`Unknown role: ${r} (roles: all, ${ROLES.join(", ")})`);
    }
  }
  if (list.length === 0) throw new RangeError("No role given");
  return [...new Set(list)] as Role[];
}
