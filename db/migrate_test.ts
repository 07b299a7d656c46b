import assert from "node:assert/strict";
import { migrate, PgliteDb } from "./mod.ts";
import type { Migration } from "./mod.ts";

Deno.test("migrations apply in order, each once, and are recorded", async () => {
  const db = await PgliteDb.open("memory://");
  try {
    const ms: Migration[] = [
      { version: "0002", name: "b", sql: "ALTER TABLE t ADD COLUMN b int;" },
      { version: "0001", name: "a", sql: "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);" },
    ].sort((x, y) => x.version.localeCompare(y.version));
    assert.deepEqual(await migrate(db, ms), ["0001", "0002"]);
    assert.deepEqual(await migrate(db, ms), []);
    const rows = await db.query<{ version: string }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    assert.deepEqual(rows.map((r) => r.version), ["0001", "0002"]);
    assert.deepEqual(await db.query("SELECT a, b FROM t"), [{ a: 1, b: null }]);
  } finally {
    await db.close();
  }
});

Deno.test("a failing migration leaves nothing half-applied", async () => {
  const db = await PgliteDb.open("memory://");
  try {
    const bad: Migration[] = [
      { version: "0001", name: "ok", sql: "CREATE TABLE ok (a int);" },
      { version: "0002", name: "bad", sql: "CREATE TABLE broken (a nosuchtype);" },
    ];
    await assert.rejects(migrate(db, bad));
    const rows = await db.query("SELECT to_regclass('ok') AS t");
    assert.deepEqual(rows, [{ t: null }]);
  } finally {
    await db.close();
  }
});
