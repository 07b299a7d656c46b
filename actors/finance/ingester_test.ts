import assert from "node:assert/strict";
import { PgliteDb } from "../../db/mod.ts";
import { createLogger, setLogLevel } from "../../lib/log.ts";
import type { FinanceEvent } from "../../schemas/finance.ts";
import { MemoryTransport } from "../../transport/mod.ts";
import type { Producer } from "../../transport/mod.ts";
import { Ingester } from "./ingester.ts";
import { RawEventStore } from "./raw_store.ts";
import { until } from "../../tests/helpers/mod.ts";

setLogLevel("silent");

const event = (id: string): FinanceEvent => ({
  event_id: `news:${id}`,
  source: "news",
  kind: "article",
  symbols: ["AAPL"],
  text: "t",
  published_at: new Date().toISOString(),
  received_at: new Date().toISOString(),
  request_id: `req-${id}`,
  payload: {},
});

async function setup(producer?: Producer, maxEvents?: number, flushIntervalMs?: number) {
  const db = await PgliteDb.open("memory://");
  const store = new RawEventStore(db, 1, 1); // few partitions: PGlite creates them slowly
  await store.ensureSchema();
  const transport = new MemoryTransport();
  await (await transport.admin()).ensureTopics([{ topic: "fin", partitions: 1 }]);
  const real = await transport.producer();
  const sent: string[] = [];
  const ingester = new Ingester({
    store,
    topic: "fin",
    logger: createLogger("test"),
    maxEvents,
    flushIntervalMs,
    producer: producer ?? {
      send: (topic, records) => {
        sent.push(...records.map((r) => String(r.value)));
        return real.send(topic, records);
      },
      close: () => Promise.resolve(),
    },
  });
  return { db, store, ingester, sent, close: () => Promise.all([db.close(), transport.close()]) };
}

Deno.test("concurrent requests with the same event: one accepted, one duplicate, one record", async () => {
  const t = await setup();
  try {
    const [a, b] = await Promise.all([
      t.ingester.submit([event("1"), event("2")]),
      t.ingester.submit([event("1")]),
    ]);
    const statuses = [...a, ...b].filter((r) => r.event_id === "news:1").map((r) => r.status);
    assert.deepEqual(statuses.sort(), ["accepted", "duplicate"]);
    assert.equal(t.sent.filter((v) => v.includes('"news:1"')).length, 1);
    const again = await t.ingester.submit([event("2")]);
    assert.equal(again[0].status, "duplicate");
    assert.equal((await t.store.list({ limit: 10 })).length, 2);
  } finally {
    await t.close();
  }
});

Deno.test("a failed send undoes the insert and rejects the request", async () => {
  const t = await setup({
    send: () => Promise.reject(new Error("broker down")),
    close: () => Promise.resolve(),
  });
  try {
    await assert.rejects(t.ingester.submit([event("x")]), /Publishing to fin failed/);
    assert.equal((await t.store.list({ limit: 10 })).length, 0);
  } finally {
    await t.close();
  }
});

Deno.test("a retry arriving before the published mark is written is not sent again", async () => {
  const t = await setup();
  // Hold the published_at UPDATE, as a busy database would.
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const mark = t.store.markPublished.bind(t.store);
  t.store.markPublished = async (keys) => {
    await held;
    return mark(keys);
  };
  try {
    assert.equal((await t.ingester.submit([event("1")]))[0].status, "accepted");
    assert.equal((await t.ingester.submit([event("1")]))[0].status, "duplicate");
    assert.equal(t.sent.filter((v) => v.includes('"news:1"')).length, 1);
    release();
  } finally {
    release();
    await t.close();
  }
});

/** A producer whose sends wait until released, each failing or succeeding as told then. */
function heldProducer(transport: Producer) {
  const calls: Array<(ok: boolean) => void> = [];
  const sent: string[] = [];
  const producer: Producer = {
    send: (topic, records) =>
      new Promise((resolve, reject) => {
        calls.push((ok) => {
          if (!ok) return reject(new Error("broker down"));
          sent.push(...records.map((r) => String(r.value)));
          resolve(transport.send(topic, records));
        });
      }),
    close: () => Promise.resolve(),
  };
  return { producer, sent, calls };
}

Deno.test("a retry sent while the first delivery's send fails keeps the row the first one stored", async () => {
  const memory = new MemoryTransport();
  await (await memory.admin()).ensureTopics([{ topic: "fin", partitions: 1 }]);
  const held = heldProducer(await memory.producer());
  const t = await setup(held.producer);
  try {
    const first = t.ingester.submit([event("r")]);
    const failed = assert.rejects(first, /Publishing to fin failed/);
    await until("the first send", () => held.calls.length === 1, 5_000, 5);
    // The provider retries while the first send hangs: the retry claims the unpublished row.
    const retry = t.ingester.submit([event("r")]);
    await until("the retry's send", () => held.calls.length === 2, 5_000, 5);
    held.calls[0](false);
    await failed;
    held.calls[1](true);
    assert.equal((await retry)[0].status, "duplicate");
    assert.equal(held.sent.filter((v) => v.includes('"news:r"')).length, 1);
    await until(
      "the row marked published",
      async () => {
        const rows = await t.store.list({ limit: 10 });
        return rows.length === 1 && rows[0].published_at !== null;
      },
      5_000,
      5,
    );
  } finally {
    await t.close();
    await memory.close();
  }
});

Deno.test("a retry whose stored copy a failed send deleted meanwhile stores it again", async () => {
  const memory = new MemoryTransport();
  await (await memory.admin()).ensureTopics([{ topic: "fin", partitions: 1 }]);
  const held = heldProducer(await memory.producer());
  const t = await setup(held.producer);
  // Holds the answer of the second INSERT (the retry's), once it has run.
  const insert = t.store.insert.bind(t.store);
  let inserts = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  t.store.insert = async (events, marks) => {
    const out = await insert(events, marks);
    if (++inserts === 2) await gate;
    return out;
  };
  try {
    const first = t.ingester.submit([event("m")]);
    const failed = assert.rejects(first, /Publishing to fin failed/);
    await until("the first send", () => held.calls.length === 1, 5_000, 5);
    const retry = t.ingester.submit([event("m")]);
    await until("the retry's INSERT", () => inserts === 2, 5_000, 5);
    // The first send fails and its row is deleted after the retry found it stored.
    held.calls[0](false);
    await failed;
    assert.equal((await t.store.list({ limit: 10 })).length, 0);
    release();
    await until("the retry's send", () => held.calls.length === 2, 5_000, 5);
    held.calls[1](true);
    assert.equal((await retry)[0].status, "accepted");
    assert.equal(held.sent.filter((v) => v.includes('"news:m"')).length, 1);
    assert.equal((await t.store.list({ limit: 10 })).length, 1);
  } finally {
    release();
    await t.close();
    await memory.close();
  }
});

/** Counts the store's INSERTs in flight at once, holding each until `release()`. */
function holdInserts(store: RawEventStore) {
  const insert = store.insert.bind(store);
  let inFlight = 0, most = 0, inserts = 0;
  let release!: () => void;
  let gate = new Promise<void>((r) => release = r);
  store.insert = async (events, marks) => {
    inFlight++;
    inserts++;
    most = Math.max(most, inFlight);
    await gate;
    try {
      return await insert(events, marks);
    } finally {
      inFlight--;
    }
  };
  return {
    most: () => most,
    inserts: () => inserts,
    open() {
      release();
      gate = Promise.resolve();
    },
    /** Holds the INSERTs that start from now on, until `open()`. */
    close() {
      gate = new Promise<void>((r) => release = r);
    },
  };
}

Deno.test("requests arriving during an INSERT share the next one; a small backlog waits for it", async () => {
  const t = await setup(undefined, 8);
  const held = holdInserts(t.store);
  try {
    const first = t.ingester.submit([event("a")]);
    // One waiting event is under a quarter of maxEvents (2): no second INSERT starts.
    const second = t.ingester.submit([event("b")]);
    await Promise.resolve();
    assert.equal(held.most(), 1);
    held.open();
    await Promise.all([first, second]);
    assert.equal(held.inserts(), 2);
  } finally {
    held.open();
    await t.close();
  }
});

Deno.test("a backlog of a quarter of maxEvents starts another INSERT", async () => {
  const t = await setup(undefined, 8);
  const held = holdInserts(t.store);
  try {
    const first = t.ingester.submit([event("a")]);
    const backlog = t.ingester.submit([event("b"), event("c")]);
    await Promise.resolve();
    assert.equal(held.most(), 2);
    held.open();
    const results = [...await first, ...await backlog];
    assert.deepEqual(results.map((r) => r.status), ["accepted", "accepted", "accepted"]);
    assert.equal(t.sent.length, 3);
  } finally {
    held.open();
    await t.close();
  }
});

Deno.test("under load a flush waits for the interval, so the requests behind it share one INSERT", async () => {
  const t = await setup(undefined, 40, 300);
  const held = holdInserts(t.store);
  held.open();
  try {
    const started = performance.now();
    // After a quiet spell the first request is flushed at once.
    await t.ingester.submit([event("a")]);
    const first = performance.now() - started;
    assert.ok(first < 300, `the lone request took ${first} ms`);
    const rest = await Promise.all(["b", "c", "d"].map((id) => t.ingester.submit([event(id)])));
    assert.ok(performance.now() - started >= 300, "the second flush started within the interval");
    assert.deepEqual(rest.flat().map((r) => r.status), ["accepted", "accepted", "accepted"]);
    assert.equal(held.inserts(), 2);
    // A quarter of maxEvents waiting does not wait for the interval.
    const quick = performance.now();
    await t.ingester.submit(Array.from({ length: 10 }, (_, i) => event(`e${i}`)));
    assert.ok(performance.now() - quick < 300, "a backlog waited for the interval");
    assert.equal(held.inserts(), 3);
  } finally {
    await t.close();
  }
});

Deno.test("acknowledged events are marked published by the next INSERT, or alone when none comes", async () => {
  // Sends wait for `ack()`, so an event can be acknowledged while another INSERT waits.
  let ack!: () => void;
  let acked = new Promise<void>((r) => ack = r);
  const sent: string[] = [];
  const t = await setup({
    send: async (_topic, records) => {
      sent.push(...records.map((r) => String(r.value)));
      await acked;
      return records.map((_, i) => ({ topic: "fin", partition: 0, offset: String(i) }));
    },
    close: () => Promise.resolve(),
  });
  const withInsert: string[][] = [];
  const alone: string[][] = [];
  const insert = t.store.insert.bind(t.store);
  t.store.insert = (events, marks = []) => {
    withInsert.push(marks.map((k) => k.event_id));
    return insert(events, marks);
  };
  const mark = t.store.markPublished.bind(t.store);
  t.store.markPublished = (keys, tx) => {
    alone.push(keys.map((k) => k.event_id));
    return mark(keys, tx);
  };
  const held = holdInserts(t.store);
  const published = async (id: string) => (await t.store.get(`news:${id}`))?.published_at !== null;
  try {
    held.open();
    const a = t.ingester.submit([event("a")]);
    await until("the send of a", () => sent.length === 1);
    held.close();
    const b = t.ingester.submit([event("b")]); // its INSERT waits
    const c = t.ingester.submit([event("c")]); // queued behind it
    ack();
    await a; // "a" acknowledged while the INSERT of "b" runs: "c"'s INSERT marks it
    held.open();
    await Promise.all([b, c]);
    assert.deepEqual(withInsert.find((m) => m.includes("news:a")), ["news:a"]);
    assert.ok(alone.every((keys) => !keys.includes("news:a")));
    assert.ok(await published("a"));
    // Nothing more arrives: "b" and "c" are marked by an UPDATE of their own.
    await until("b and c marked", async () => await published("b") && await published("c"));
    assert.deepEqual(alone.flat().sort(), ["news:b", "news:c"]);
  } finally {
    ack();
    acked = Promise.resolve();
    held.open();
    await t.close();
  }
});
