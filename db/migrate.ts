/**
 * Versioned migrations: `migrations/NNNN_name.sql`, applied in order, each once, recorded in
 * `schema_migrations`. One transaction holding an advisory lock, so two writers starting at the
 * same moment do not apply a migration twice.
 */
import { PostgresDb } from "./db.ts";
import type { Db } from "./db.ts";

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

const DEFAULT_DIR = new URL("../migrations/", import.meta.url);

export async function loadMigrations(dir: URL = DEFAULT_DIR): Promise<Migration[]> {
  const out: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !m) continue;
    out.push({ version: m[1], name: m[2], sql: await Deno.readTextFile(new URL(entry.name, dir)) });
  }
  return out.sort((a, b) => a.version.localeCompare(b.version));
}

/** Applies every pending migration; returns the versions applied now. */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? await loadMigrations();
  // A DATABASE_SCHEMA that does not exist yet is created (PGlite does the same); an existing one
  // is left alone, so a user without the CREATE privilege on the database can still migrate.
  if (db instanceof PostgresDb) {
    const [{ ns }] = await db.query<{ ns: string | null }>(
      `SELECT to_regnamespace($1)::text AS ns`,
      [
        db.schema,
      ],
    );
    if (ns === null) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
  }
  await db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  ).catch(async (err) => {
    // Two processes racing on CREATE TABLE IF NOT EXISTS can collide; the table exists then.
    const rows = await db.query(`SELECT to_regclass('schema_migrations') AS t`);
    if (!rows[0] || !(rows[0] as { t: unknown }).t) throw err;
  });
  return db.transaction(async (tx) => {
    // Migrations may wait for another process's migrations and build indexes on big tables:
    // the connections' statement and lock timeouts are for the workers' statements, not these.
    await tx.query(`SET LOCAL statement_timeout = 0`);
    await tx.query(`SET LOCAL lock_timeout = 0`);
    await tx.query(`SELECT pg_advisory_xact_lock(7235012)`);
    const done = new Set(
      (await tx.query<{ version: string }>(`SELECT version FROM schema_migrations`)).map((r) =>
        r.version
      ),
    );
    const applied: string[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      for (const stmt of splitStatements(m.sql)) await tx.query(stmt);
      await tx.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Splits a migration on `;` at line ends; migrations keep to plain DDL so this suffices. */
function splitStatements(sql: string): string[] {
  return sql.split(/;\s*(?:\n|$)/).map((s) => s.replace(/^\s*--.*$/gm, "").trim()).filter(
    Boolean,
  );
}
