/** Migrations on the real PostgreSQL (the PGlite cases are unit tests in db/migrate_test.ts). */
import assert from "node:assert/strict";
import { migrate, PostgresDb } from "../db/mod.ts";
import { DATABASE_URL } from "./helpers/mod.ts";

Deno.test("migrating into a PostgreSQL schema that does not exist yet creates it", async () => {
  const schema = `migrate_new_${crypto.randomUUID().slice(0, 8)}`;
  const db = new PostgresDb({ url: DATABASE_URL, schema });
  try {
    const applied = await migrate(db, [
      { version: "0001", name: "one", sql: "CREATE TABLE t (id int PRIMARY KEY);" },
    ]);
    assert.deepEqual(applied, ["0001"]);
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 't'`,
      [schema],
    );
    assert.equal(rows[0].n, 1);
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
  }
});
