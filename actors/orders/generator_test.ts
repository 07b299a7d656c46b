import assert from "node:assert/strict";
import { Order } from "../../schemas/orders.ts";
import { CUSTOMERS, generateOrder, MENU, orderId } from "./generator.ts";
import { OrderIds } from "./ids.ts";

Deno.test("100 distinct customers and 20 menu items priced between $2 and $15", () => {
  assert.equal(new Set(CUSTOMERS).size, 100);
  assert.ok(CUSTOMERS.every((c) => /^CUST-\d{5}$/.test(c)));
  assert.equal(new Set(MENU.map((m) => m.item_id)).size, 20);
  assert.equal(new Set(MENU.map((m) => m.name)).size, 20);
  assert.ok(MENU.every((m) => m.price >= 2 && m.price <= 15));
});

Deno.test("generated orders have 1–5 lines, quantities ≥ 1 and a total equal to the lines", () => {
  const now = new Date("2026-11-24T10:00:00Z");
  const lineCounts = new Set<number>();
  for (let i = 0; i < 2_000; i++) {
    const o = generateOrder(orderId("20261124", i + 1), now);
    assert.ok(Order.safeParse(o).success, JSON.stringify(o));
    assert.ok(o.items.length >= 1 && o.items.length <= 5);
    assert.ok(o.items.every((x) => x.quantity >= 1));
    const cents = o.items.reduce((n, x) => n + Math.round(x.price * 100) * x.quantity, 0);
    assert.equal(Math.round(o.total_amount * 100), cents);
    assert.equal(o.status, "pending");
    lineCounts.add(o.items.length);
  }
  assert.deepEqual([...lineCounts].sort(), [1, 2, 3, 4, 5]);
});

Deno.test("order ids have the ORD-YYYYMMDD-NNNNN format and stay unique across restarts", async () => {
  // The block allocator stands in for the database table: a restart gets a fresh block.
  let next = 1;
  const reserve = (_day: string, size: number) => {
    const first = next;
    next += size;
    return Promise.resolve(first);
  };
  const now = new Date("2026-11-24T10:00:00Z");
  const seen = new Set<string>();
  for (let run = 0; run < 3; run++) {
    const ids = new OrderIds(reserve, 10); // a "restart": a new allocator, same store
    for (let i = 0; i < 25; i++) seen.add(await ids.next(now));
  }
  assert.equal(seen.size, 75);
  assert.ok([...seen].every((id) => /^ORD-20261124-\d{5}$/.test(id)));
  assert.ok(seen.has("ORD-20261124-00001"));
});
