import assert from "node:assert/strict";
import { describeIssue } from "./mod.ts";
import { Order } from "./orders.ts";

const valid = () => ({
  order_id: "ORD-20261124-00001",
  customer_id: "CUST-00042",
  items: [
    { item_id: "ITEM-01", name: "Margherita Pizza", price: 12.5, quantity: 2 },
    { item_id: "ITEM-16", name: "Garlic Bread", price: 3.99, quantity: 1 },
  ],
  total_amount: 28.99,
  status: "pending",
  created_at: "2026-11-24T10:00:00.000Z",
});

function fieldOf(o: unknown): string {
  const r = Order.safeParse(o);
  assert.equal(r.success, false, "expected the order to be rejected");
  return describeIssue(r.error!).field;
}

Deno.test("a valid order passes", () => {
  assert.ok(Order.safeParse(valid()).success);
});

Deno.test("each business rule rejects its case and names the field", () => {
  const cases: Array<[string, (o: ReturnType<typeof valid>) => unknown, string]> = [
    ["missing order_id", ({ order_id: _, ...o }) => o, "order_id"],
    ["missing customer_id", ({ customer_id: _, ...o }) => o, "customer_id"],
    ["bad order id", (o) => ({ ...o, order_id: "ORD-1" }), "order_id"],
    ["no lines", (o) => ({ ...o, items: [], total_amount: 1 }), "items"],
    ["total 0", (o) => ({ ...o, total_amount: 0 }), "total_amount"],
    ["negative total", (o) => ({ ...o, total_amount: -5 }), "total_amount"],
    ["quantity 0", (o) => ({ ...o, items: [{ ...o.items[0], quantity: 0 }] }), "items.0.quantity"],
    ["price 0", (o) => ({ ...o, items: [{ ...o.items[0], price: 0 }] }), "items.0.price"],
    ["negative price", (o) => ({ ...o, items: [{ ...o.items[0], price: -1 }] }), "items.0.price"],
    ["total off by a cent", (o) => ({ ...o, total_amount: 29 }), "total_amount"],
    ["bad status", (o) => ({ ...o, status: "lost" }), "status"],
    ["bad created_at", (o) => ({ ...o, created_at: "yesterday" }), "created_at"],
    ["year 0", (o) => ({ ...o, created_at: "0000-01-01T00:00:00Z" }), "created_at"],
    [
      "NUL in a name",
      (o) => ({ ...o, items: [{ ...o.items[0], name: "Pizza\u0000" }, o.items[1]] }),
      "items.0.name",
    ],
  ];
  for (const [name, mutate, field] of cases) {
    assert.equal(fieldOf(mutate(valid())), field, name);
  }
});
