/**
 * The one list of roles: `main.ts <role>`, `deno task compile` (`scripts/compile.ts`, one binary
 * per role) and the entrypoints test all derive from it. Plain data, so the compile script can
 * read it without loading any pipeline.
 */
export const ROLES = [
  "text-writer",
  "order-processor",
  "order-producer",
  "firehose",
  "classifier",
  "writer",
  "aggregator",
  "sentiment",
  "api",
  "ingest",
  "market-feed",
] as const;
export type Role = typeof ROLES[number];

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
