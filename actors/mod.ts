/**
 * The supervised workers, grouped by pipeline (`text/`, `orders/`, `social/`, `trends/`,
 * `finance/`), and
 * the roles `main.ts <role>` runs. Each role is a child spec started under the process's root
 * supervisor; `all` runs every role in one process. A pipeline's workers, role wiring
 * (`role.ts`) and store (`store.ts`) are in its folder; `_role.ts` is the shell every pipeline
 * role shares, `resources.ts` what a process's roles share (transport, database, producer).
 */
export { needsOf, roleSpecs } from "./specs.ts";
export { Runtime } from "./resources.ts";
export { parseRoles, ROLES } from "./roles.ts";
export type { Role } from "./roles.ts";
export { ensureTopic, supervisorOptions } from "./_role.ts";
export { apiRole } from "./api.ts";
export { textWriterRole } from "./text/role.ts";
export { orderProcessorRole, orderProducerRole } from "./orders/role.ts";
export { classifierRole, firehoseRole, writerRole } from "./social/role.ts";
export { aggregatorRole } from "./trends/role.ts";
export { trendCache } from "./trends/cache.ts";
export { ingestRole, marketFeedRole } from "./finance/role.ts";
export { sentimentRole } from "./finance/mod.ts";
