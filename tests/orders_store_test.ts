/** The order store's COPY and its fallback on the real PostgreSQL (COPY is PostgreSQL's only). */
import assert from "node:assert/strict";
import { migrate, PostgresDb } from "../db/mod.ts";
import { generateOrder, orderId } from "../actors/orders/generator.ts";
import { orderIn, OrderStore } from "../actors/orders/store.ts";
import { DATABASE_URL } from "./helpers/mod.ts";

async function withStore(fn: (store: OrderStore, db: PostgresDb) => Promise<void>): Promise<void> {
  const schema = `orders_store_${crypto.randomUUID().slice(0, 8)}`;
  const db = new PostgresDb({ url: DATABASE_URL, schema, poolSize: 1 });
  try {
    await migrate(db);
    await fn(new OrderStore(db), db);
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
  }
}

const at = new Date("2026-11-30T12:00:00Z");
// Generated once: the generator picks each order's lines at random.
const [one, two, three] = [1, 2, 3].map((seq) =>
  orderIn(generateOrder(orderId("20261130", seq), at))
);

Deno.test("a COPY on its own stores all of its rows or none, and its connection stays usable", async () => {
  await withStore(async (_, db) => {
    const copy = "COPY order_id_blocks (day, next_seq) FROM STDIN";
    await db.copyFrom(copy, "a\t1\nb\t2\n");
    await assert.rejects(db.copyFrom(copy, "c\t3\nb\t4\n"), { code: "DB_23505" });
    // One connection in the pool: the refused COPY's is the one used here.
    const rows = await db.query<{ day: string }>(`SELECT day FROM order_id_blocks ORDER BY day`);
    assert.deepEqual(rows.map((r) => r.day), ["a", "b"]);
  });
});

Deno.test("new orders are COPYed; a batch with stored ids tells new, duplicate and conflicting apart", async () => {
  await withStore(async (store) => {
    const first = await store.insertBatch([one, two]);
    assert.deepEqual([...first.inserted], [one.order_id, two.order_id]);

    const changed = { ...two, status: "cancelled" as const };
    const next = await store.insertBatch([one, changed, three]);
    assert.deepEqual([...next.inserted], [three.order_id]);
    assert.deepEqual([...next.duplicates], [one.order_id]);
    assert.deepEqual([...next.conflicts.keys()], [two.order_id]);
    const stored = await store.get(two.order_id);
    assert.equal(stored?.status, two.status, "a conflict never overwrites");
    assert.deepEqual(stored?.items, JSON.parse(two.items));
  });
});
