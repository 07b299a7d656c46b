import assert from "node:assert/strict";
import { inKeyOrder } from "./db.ts";

Deno.test("inKeyOrder keeps rows already in key order and sorts a copy of the others", () => {
  const sorted = [{ id: "a" }, { id: "b" }, { id: "c" }];
  assert.equal(inKeyOrder(sorted, (r) => r.id), sorted);
  const mixed = [{ id: "c" }, { id: "a" }, { id: "b" }];
  assert.deepEqual(inKeyOrder(mixed, (r) => r.id).map((r) => r.id), ["a", "b", "c"]);
  assert.deepEqual(mixed.map((r) => r.id), ["c", "a", "b"]);
});
