/** The food-order pipeline against the real Kafka broker and PostgreSQL. */
import assert from "node:assert/strict";
import { Supervisor } from "../runtime/supervisor.ts";
import { generateOrder, orderId } from "../actors/orders/generator.ts";
import { orderProducerRole } from "../actors/orders/role.ts";
import { Runtime } from "../actors/resources.ts";
import { supervisorOptions } from "../actors/mod.ts";
import type { Order } from "../schemas/orders.ts";
import {
  committedTotal,
  DATABASE_URL,
  listeningUrl,
  readTopic,
  RoleProcess,
  sandbox,
  uniqueName,
  until,
} from "./helpers/mod.ts";
import type { Sandbox } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function orderRows(s: Sandbox): Promise<{ total: number; distinct: number }> {
  const rows = await s.db.query<{ total: number; distinct: number }>(
    `SELECT count(*)::int AS total, count(DISTINCT order_id)::int AS distinct FROM orders`,
  ).catch(() => [{ total: 0, distinct: 0 }]);
  return rows[0];
}

const committed = (s: Sandbox) => committedTotal(s, s.orderGroup, s.orderTopic);

/** Runs the order-producer role in this process until it has sent `count` more orders. */
async function produceOrders(s: Sandbox, count: number, rate = 2_000): Promise<void> {
  // Each call is a run of its own (a run's count is a total over its restarts).
  const config = {
    ...s.config,
    ORDER_COUNT: count,
    ORDER_RATE: rate,
    ORDER_RUN_ID: uniqueName("run"),
  };
  const rt = new Runtime(config, { transport: s.kafka });
  const sup = new Supervisor([orderProducerRole(rt)], supervisorOptions(rt, "test-producer"));
  await sup.start();
  await until(`${count} orders produced`, () => sup.states()[0].status === "stopped", 60_000);
  await sup.stop();
  await rt.close();
}

/** Publishes raw order values (any JSON, valid or not) keyed by customer. */
async function publish(s: Sandbox, values: Array<string | Order>): Promise<void> {
  const p = await s.kafka.producer();
  await p.send(
    s.orderTopic,
    values.map((v) => ({
      key: typeof v === "string" ? "CUST-00001" : v.customer_id,
      value: typeof v === "string" ? v : JSON.stringify(v),
    })),
  );
  await p.close();
}

Deno.test(
  "the producer sends 50 orders and they become 50 rows with the same content",
  opts,
  async () => {
    const s = await sandbox();
    const proc = new RoleProcess("order-processor", s.env);
    try {
      await produceOrders(s, 50, 200);
      await until("50 order rows", async () => (await orderRows(s)).total >= 50, 60_000);
      await until("offsets committed", async () => (await committed(s)) === 50);
      assert.deepEqual(await orderRows(s), { total: 50, distinct: 50 });
      const sent = (await readTopic(s, s.orderTopic, 50)).map((m) =>
        JSON.parse(new TextDecoder().decode(m.value!)) as Order
      );
      for (const o of sent) {
        const [row] = await s.db.query<Record<string, unknown>>(
          `SELECT customer_id, items, total_amount::text AS total, status, created_at
         FROM orders WHERE order_id = $1`,
          [o.order_id],
        );
        assert.equal(row.customer_id, o.customer_id);
        assert.deepEqual(row.items, o.items);
        assert.equal(row.total, o.total_amount.toFixed(2));
        assert.equal(row.status, "pending");
        assert.equal((row.created_at as Date).toISOString(), o.created_at);
      }
    } finally {
      await proc.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "two processors split the partitions; stopping one moves its partitions with no loss",
  opts,
  async () => {
    const s = await sandbox({ LOG_LEVEL: "info" });
    const a = new RoleProcess("order-processor", s.env);
    const b = new RoleProcess("order-processor", s.env);
    try {
      const admin = await s.kafka.admin();
      await until(
        "both members in the group",
        async () => {
          const g = await admin.describeGroup(s.orderGroup);
          return g.members === 2 && g.state === "Stable";
        },
        60_000,
        200,
      );
      await produceOrders(s, 300);
      await until("300 rows", async () => (await orderRows(s)).total >= 300, 60_000);
      b.kill("SIGTERM");
      assert.equal((await b.exited).code, 0);
      await until(
        "one member left",
        async () => (await admin.describeGroup(s.orderGroup)).members === 1,
        60_000,
        200,
      );
      await produceOrders(s, 300);
      await until("600 rows", async () => (await orderRows(s)).total >= 600, 60_000);
      await until("offsets committed", async () => (await committed(s)) === 600);
      assert.deepEqual(await orderRows(s), { total: 600, distinct: 600 });
      const last = [...a.output.matchAll(/"joined group".*?"assignment":\{"[^"]+":\[([\d,]*)\]/g)]
        .at(-1);
      assert.equal(last?.[1], "0,1,2", "the remaining member took every partition");
    } finally {
      await a.dispose();
      await b.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "a processor SIGKILLed mid-stream and restarted stores every order exactly once",
  opts,
  async () => {
    const s = await sandbox({ ORDER_BATCH_SIZE: "50" });
    const n = 5_000;
    await produceOrders(s, n, 50_000);
    const first = new RoleProcess("order-processor", s.env);
    let second: RoleProcess | null = null;
    try {
      await until("some rows", async () => (await orderRows(s)).total > 0, 60_000, 10);
      first.kill("SIGKILL");
      await first.exited;
      const atKill = (await orderRows(s)).total;
      assert.ok(atKill < n, `killed mid-stream (${atKill} of ${n})`);
      second = new RoleProcess("order-processor", s.env);
      await until(`${n} rows`, async () => (await orderRows(s)).total >= n, 90_000);
      await until("offsets committed", async () => (await committed(s)) === n);
      assert.deepEqual(await orderRows(s), { total: n, distinct: n });
    } finally {
      await first.dispose();
      await second?.dispose();
      await s.dispose();
    }
  },
);

/**
 * An order-processor process that logs in as a role of its own, so a test can take its rights
 * away (PostgreSQL refusing writes) and give them back. Tables are created by the superuser.
 */
async function revocableProcessor(s: Sandbox): Promise<{ role: string; proc: RoleProcess }> {
  const role = uniqueName("it_role", "_");
  const { migrate } = await import("../db/mod.ts");
  await migrate(s.db);
  await s.db.exec(`CREATE ROLE ${role} LOGIN;
    GRANT USAGE, CREATE ON SCHEMA ${s.schema} TO ${role};
    GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${s.schema} TO ${role}`);
  const url = DATABASE_URL.replace(/\/\/[^@/]+@/, `//${role}@`);
  const proc = new RoleProcess("order-processor,api", {
    ...s.env,
    DATABASE_URL: url,
    LOG_LEVEL: "warn",
  });
  return { role, proc };
}

Deno.test(
  "SIGTERM while the database refuses writes lets the held batch go, commits nothing, exits 0",
  opts,
  async () => {
    const s = await sandbox();
    const { role, proc } = await revocableProcessor(s);
    let next: RoleProcess | null = null;
    try {
      await listeningUrl(proc);
      await s.db.exec(`REVOKE INSERT, SELECT ON orders FROM ${role}`);
      await produceOrders(s, 50);
      await until(
        "the processor to hold the batch",
        () => /database still down/.test(proc.output),
        60_000,
      );
      proc.kill("SIGTERM");
      const st = await proc.exited;
      assert.equal(st.code, 0, proc.output.slice(-2000));
      assert.equal(await committed(s), 0, "nothing unstored is committed");
      assert.equal((await orderRows(s)).total, 0);
      next = new RoleProcess("order-processor", s.env);
      await until("50 rows", async () => (await orderRows(s)).total >= 50, 60_000);
      await until("50 committed", async () => (await committed(s)) === 50);
      assert.deepEqual(await orderRows(s), { total: 50, distinct: 50 });
    } finally {
      await proc.dispose();
      await next?.dispose();
      await s.db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {});
      await s.dispose();
    }
  },
);

Deno.test(
  "while PostgreSQL refuses writes nothing unstored is committed; afterwards every order is stored once",
  opts,
  async () => {
    const s = await sandbox();
    const { role, proc } = await revocableProcessor(s);
    try {
      const api = await listeningUrl(proc);
      await produceOrders(s, 100);
      await until("100 rows", async () => (await orderRows(s)).total >= 100, 60_000);
      await until("100 committed", async () => (await committed(s)) === 100);

      await s.db.exec(`REVOKE INSERT, SELECT ON orders FROM ${role}`);
      await produceOrders(s, 200);
      await until(
        "the processor to hold the batch",
        () => /database still down/.test(proc.output),
        60_000,
      );
      const ready = await fetch(`${api}/ready`);
      const body = await ready.json();
      assert.equal(ready.status, 503);
      assert.match(body.conditions[0].reason, /database unavailable/);
      assert.equal(await committed(s), 100, "no offset committed for unstored orders");
      assert.equal((await orderRows(s)).total, 100);

      await s.db.exec(`GRANT INSERT, SELECT ON orders TO ${role}`);
      await until("300 rows", async () => (await orderRows(s)).total >= 300, 60_000);
      await until("300 committed", async () => (await committed(s)) === 300);
      assert.deepEqual(await orderRows(s), { total: 300, distinct: 300 });
      await until(
        "ready again",
        async () =>
          (await fetch(`${api}/ready`).then((r) => r.body?.cancel().then(() => r.status))) === 200,
      );
    } finally {
      await proc.dispose();
      await s.db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {});
      await s.dispose();
    }
  },
);

Deno.test(
  "invalid, duplicate and conflicting orders are counted in /stats as sent",
  opts,
  async () => {
    const s = await sandbox();
    const proc = new RoleProcess("order-processor,api", s.env);
    try {
      const api = await listeningUrl(proc);
      const now = new Date();
      const day = "20261124";
      const valid = Array.from({ length: 40 }, (_, i) => generateOrder(orderId(day, i + 1), now));
      const invalid = [
        "{not json",
        JSON.stringify({ ...valid[0], order_id: "ORD-20261124-90001", total_amount: 0 }),
        JSON.stringify({ ...valid[1], order_id: "ORD-20261124-90002", total_amount: 9999 }),
        JSON.stringify({ ...valid[2], order_id: "ORD-20261124-90003", items: [] }),
        JSON.stringify({ ...valid[3], order_id: "ORD-20261124-90004", customer_id: undefined }),
      ];
      const duplicates = valid.slice(0, 6);
      const conflicts = valid.slice(10, 13).map((o) => ({ ...o, status: "cancelled" as const }));
      await publish(s, valid);
      await until("40 rows", async () => (await orderRows(s)).total >= 40, 60_000);
      await publish(s, [...invalid, ...duplicates, ...conflicts]);
      const total = valid.length + invalid.length + duplicates.length + conflicts.length;
      await until("everything committed", async () => (await committed(s)) === total, 60_000);
      const stats = await (await fetch(`${api}/stats`)).json();
      assert.deepEqual(stats.orders.counters, {
        processed: 40,
        invalid: invalid.length,
        duplicates: duplicates.length,
        conflicts: conflicts.length,
        retries: 0,
      });
      assert.equal(stats.orders.rows, 40);
      const dead = await readTopic(s, `${s.orderTopic}.dlq`, invalid.length + conflicts.length);
      assert.equal(dead.filter((m) => /^conflict/.test(m.headers["x-dlq-reason"])).length, 3);
      const latency = stats.orders.latencyMs as { p50: number; p99: number; count: number };
      assert.equal(latency.count, 40);
      assert.ok(latency.p50 >= 0 && latency.p99 >= latency.p50);
      const [row] = await s.db.query<{ status: string }>(
        `SELECT status FROM orders WHERE order_id = $1`,
        [valid[10].order_id],
      );
      assert.equal(row.status, "pending", "a conflict never overwrites the stored order");
      // Every log line about an order carries its order_id (the malformed one has none to give).
      const logged = () =>
        proc.output.split("\n").filter((l) => l.includes('"msg":"dead-lettering message"'))
          .map((l) => JSON.parse(l) as { order_id?: string });
      await until("the dead-letter log lines", () => logged().length === 8);
      assert.deepEqual(
        logged().map((l) => l.order_id).filter(Boolean).sort(),
        [
          ...invalid.slice(1).map((v) => JSON.parse(v).order_id),
          ...conflicts.map((o) => o.order_id),
        ].sort(),
      );
    } finally {
      await proc.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "an order the database refuses is dead-lettered with its reason; the orders around it are stored",
  opts,
  async () => {
    const s = await sandbox();
    const proc = new RoleProcess("order-processor,api", s.env);
    try {
      const api = await listeningUrl(proc);
      // A rule only the database knows (the zod schema accepts these orders): a CHECK constraint on
      // a customer outside the generator's CUST-00001..00100, so no random order trips it.
      await until(
        "the orders table",
        () => s.db.query(`SELECT 1 FROM orders LIMIT 1`).then(() => true),
      );
      await s.db.exec(
        `ALTER TABLE orders ADD CONSTRAINT no_banned CHECK (customer_id <> 'CUST-99999')`,
      );
      const now = new Date();
      const orders = Array.from({ length: 30 }, (_, i) => {
        const o = generateOrder(orderId("20261125", i + 1), now);
        return i === 7 || i === 21 ? { ...o, customer_id: "CUST-99999" } : o;
      });
      await publish(s, orders);
      await until("everything committed", async () => (await committed(s)) === 30, 60_000);
      assert.deepEqual(await orderRows(s), { total: 28, distinct: 28 });
      const dead = await readTopic(s, `${s.orderTopic}.dlq`, 2);
      assert.deepEqual(
        dead.map((m) => JSON.parse(new TextDecoder().decode(m.value!)).order_id).sort(),
        [orders[7].order_id, orders[21].order_id].sort(),
      );
      for (const m of dead) {
        assert.match(m.headers["x-dlq-reason"], /rejected by the database: .*no_banned/);
      }
      const stats = await (await fetch(`${api}/stats`)).json();
      assert.equal(stats.orders.counters.processed, 28);
      assert.equal(stats.orders.counters.invalid, 2);
      const ready = await fetch(`${api}/ready`);
      await ready.body?.cancel();
      assert.equal(ready.status, 200, "a refused order does not hold the processor");
    } finally {
      await proc.dispose();
      await s.dispose();
    }
  },
);
