/**
 * The analytics database of the sentiment role and the API: its own pool when
 * ANALYTICS_DATABASE_URL is set. A file of its own, so the API reaches it without loading the
 * sentiment role's classifiers.
 */
import { PostgresDb } from "../../db/mod.ts";
import type { Db } from "../../db/mod.ts";
import { postgresOptions } from "../resources.ts";
import type { Runtime } from "../resources.ts";

export async function analyticsDb(rt: Runtime): Promise<{ db: Db; own: boolean }> {
  const c = rt.config;
  if (!c.ANALYTICS_DATABASE_URL || c.ANALYTICS_DATABASE_URL === c.DATABASE_URL) {
    return { db: await rt.db(), own: false };
  }
  const db = new PostgresDb(postgresOptions(c, c.ANALYTICS_DATABASE_URL));
  return { db, own: true };
}
