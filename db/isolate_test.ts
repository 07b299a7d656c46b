import assert from "node:assert/strict";
import { UpstreamError } from "../lib/errors.ts";
import { insertIsolating } from "./isolate.ts";

/** A fake table that refuses negative numbers the way PostgreSQL refuses a bad value. */
function table(down = false) {
  const rows: number[] = [];
  let statements = 0;
  const insert = (xs: number[]): Promise<number> => {
    statements++;
    if (down) {
      return Promise.reject(new UpstreamError("DB_UNAVAILABLE", "connection refused"));
    }
    if (xs.some((x) => x < 0)) {
      return Promise.reject(
        new UpstreamError("DB_22003", "value out of range", { retriable: false }),
      );
    }
    rows.push(...xs);
    return Promise.resolve(xs.length);
  };
  return { rows, insert, statements: () => statements };
}

Deno.test("a refused record is isolated with the database's reason; the rest are stored", async () => {
  const t = table();
  const items = Array.from({ length: 100 }, (_, i) => (i === 37 || i === 80 ? -i : i));
  const out = await insertIsolating(items, t.insert, (a, b) => a + b);
  assert.deepEqual(out.rejected.map((r) => r.item), [-37, -80]);
  assert.match(out.rejected[0].reason, /value out of range/);
  assert.equal(out.result, 98);
  assert.deepEqual(t.rows.sort((a, b) => a - b), items.filter((x) => x >= 0));
  assert.ok(t.statements() < 30, `bisection, not one insert per record (${t.statements()})`);
});

Deno.test("a good batch is one statement", async () => {
  const t = table();
  const out = await insertIsolating([1, 2, 3], t.insert, (a, b) => a + b);
  assert.deepEqual(out, { result: 3, rejected: [] });
  assert.equal(t.statements(), 1);
});

Deno.test("an unavailable database is not the records' fault: the error is thrown", async () => {
  const t = table(true);
  await assert.rejects(insertIsolating([1, 2], t.insert, (a, b) => a + b), /connection refused/);
  assert.equal(t.statements(), 1);
});
