import assert from "node:assert/strict";
import { OrderIds } from "./ids.ts";

const now = new Date("2026-11-24T10:00:00Z");

function allocator() {
  let next = 1;
  const calls: number[] = [];
  let down = false;
  return {
    calls,
    setDown: (d: boolean) => (down = d),
    reserve: (_day: string, size: number) => {
      if (down) return Promise.reject(new Error("database is down"));
      calls.push(next);
      const first = next;
      next += size;
      return Promise.resolve(first);
    },
  };
}

Deno.test("the next block is reserved ahead, so a short outage costs no ids", async () => {
  const a = allocator();
  const ids = new OrderIds(a.reserve, 10);
  for (let i = 0; i < 5; i++) await ids.next(now);
  assert.deepEqual(a.calls, [1, 11], "half the block used: the next one is reserved");
  a.setDown(true);
  const got: string[] = [];
  for (let i = 0; i < 15; i++) got.push(await ids.next(now));
  assert.equal(got.at(-1), "ORD-20261124-00020", "both blocks used while the database is down");
  await assert.rejects(ids.next(now), /database is down/);
  a.setDown(false);
  assert.equal(await ids.next(now), "ORD-20261124-00021", "asked for again once it is back");
});

Deno.test("a restored position continues where it was without reserving", async () => {
  const a = allocator();
  const ids = new OrderIds(a.reserve, 10);
  ids.restore({ day: "20261124", next: 7, end: 11 });
  assert.equal(await ids.next(now), "ORD-20261124-00007");
  assert.deepEqual(ids.position(), { day: "20261124", next: 8, end: 11 });
  assert.deepEqual(a.calls, [1], "only the block ahead (3 left of 10) was reserved");
});
