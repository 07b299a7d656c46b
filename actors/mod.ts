/**
 * Roles: what `main.ts <role>` runs. Each role is a child spec started under the process's root
 * supervisor; `all` runs every role in one process.
 */
import type { ChildSpec } from "../runtime/supervisor.ts";
import { apiRole } from "./api.ts";
import type { Runtime } from "./resources.ts";
import { textWriterRole } from "./text/role.ts";
import { orderProcessorRole, orderProducerRole } from "./orders/role.ts";
import { classifierRole, firehoseRole, writerRole } from "./social/role.ts";
import { aggregatorRole } from "./trends/role.ts";

export { Runtime } from "./resources.ts";
export { ensureTopic, supervisorOptions, textWriterRole } from "./text/role.ts";
export { apiRole } from "./api.ts";
export { orderProcessorRole, orderProducerRole } from "./orders/role.ts";
export { classifierRole, firehoseRole, firehoseStatus, writerRole } from "./social/role.ts";
export { aggregatorRole, trendCache } from "./trends/role.ts";

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

/** `a,b` → [a, b]; throws RangeError naming an unknown role. */
export function parseRoles(roles: string): Role[] {
  const list = roles.split(",").map((r) => r.trim()).filter(Boolean);
  for (const r of list) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new RangeError(`Unknown role: ${r} (roles: ${ROLES.join(", ")})`);
    }
  }
  if (list.length === 0) throw new RangeError("No role given");
  return [...new Set(list)] as Role[];
}
