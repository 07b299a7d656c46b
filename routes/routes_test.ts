import assert from "node:assert/strict";
import { testApp } from "../tests/helpers/test_app.ts";

async function until(cond: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const post = (body: string, query = "") => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body,
  query,
});

Deno.test("routes", async (t) => {
  const { app, store, close } = await testApp();
  const send = (path: string, init?: ReturnType<typeof post>) =>
    app.request(path + (init?.query ?? ""), init);
  try {
    await t.step("GET /health reports ok and the runtime", async () => {
      const res = await send("/health");
      assert.equal(res.status, 200);
      const b = await res.json();
      assert.equal(b.status, "ok");
      assert.deepEqual(b.runtime, { transport: "memory", database: "pglite" });
    });

    await t.step("GET /ready is 200 when the database and broker answer", async () => {
      const res = await send("/ready");
      assert.equal(res.status, 200);
      assert.deepEqual((await res.json()).checks, { database: "ok", broker: "ok" });
    });

    let id = "";
    await t.step(
      "POST /messages answers 202 with the id, and the message gets stored",
      async () => {
        const res = await send("/messages", post(JSON.stringify({ text: "hello" })));
        assert.equal(res.status, 202);
        const b = await res.json();
        assert.equal(b.status, "accepted");
        assert.match(b.id, /^[0-9a-f-]{36}$/);
        id = b.id;
        await until(async () => (await store.get(id)) !== null);
      },
    );

    await t.step("POST /messages?wait=true answers 201 once stored, with a given id", async () => {
      const given = crypto.randomUUID();
      const res = await send(
        "/messages",
        post(JSON.stringify({ text: "waited", id: given }), "?wait=true"),
      );
      assert.equal(res.status, 201);
      const b = await res.json();
      assert.equal(b.id, given);
      assert.equal(b.message.message, "waited");
    });

    await t.step("POST /messages rejects bad input with 400 naming the field", async () => {
      const cases: Array<[string, string]> = [
        ["{nope", "body"],
        [JSON.stringify(["x"]), "body"],
        [JSON.stringify({}), "text"],
        [JSON.stringify({ text: "" }), "text"],
        [JSON.stringify({ text: 42 }), "text"],
        [JSON.stringify({ message: "" }), "message"],
        [JSON.stringify({ text: "x", message: "x" }), "message"],
        [JSON.stringify({ text: "é".repeat(600_000) }), "text"],
        [JSON.stringify({ text: "x", id: "" }), "id"],
        [JSON.stringify({ text: "x", id: 123 }), "id"],
        [JSON.stringify({ text: "x", id: "x".repeat(129) }), "id"],
        [JSON.stringify({ text: "x", id: "nul\u0000" }), "id"],
        [JSON.stringify({ text: "x", id: "line\nbreak" }), "id"],
        [JSON.stringify({ text: "x", id: "tab\there" }), "id"],
        [JSON.stringify({ text: "x", id: "del\u007f" }), "id"],
        [JSON.stringify({ text: "x", id: "zero\u200bwidth" }), "id"],
        [JSON.stringify({ text: "x", id: "lone\ud800" }), "id"],
        [JSON.stringify({ text: "x", id: ".." }), "id"],
      ];
      for (const [body, field] of cases) {
        const res = await send("/messages", post(body));
        assert.equal(res.status, 400, body);
        assert.equal((await res.json()).field, field, body);
      }
    });

    await t.step("GET /messages/:id: 200, 404 when absent, 400 naming id when bad", async () => {
      assert.equal((await send(`/messages/${id}`)).status, 200);
      assert.equal((await (await send(`/messages/${id}`)).json()).message, "hello");
      assert.equal((await send(`/messages/${crypto.randomUUID()}`)).status, 404);
      assert.equal((await send("/messages/not-a-uuid")).status, 404);
      for (const bad of ["%00", "a%0Ab", "x".repeat(129), "%zz", "%E0%A4%A", "%F0%9F"]) {
        const res = await send(`/messages/${bad}`);
        assert.equal(res.status, 400, bad);
        assert.equal((await res.json()).field, "id", bad);
      }
    });

    await t.step("GET /messages paginates and bounds the limit", async () => {
      const page = await (await send("/messages?limit=1&offset=0")).json();
      assert.equal(page.items.length, 1);
      const all = await (await send("/messages")).json();
      assert.equal(all.items.length, 2);
      assert.equal(all.limit, 50);
      for (const q of ["limit=1001", "limit=abc", "limit=0", "offset=-1"]) {
        const res = await send(`/messages?${q}`);
        assert.equal(res.status, 400, q);
        assert.equal((await res.json()).field, q.split("=")[0], q);
      }
    });

    await t.step("GET /stats reports rows, the group's lag and counters", async () => {
      const b = await (await send("/stats")).json();
      assert.equal(b.messages.total, 2);
      assert.equal(b.consumerGroup.groupId, "text-writers");
      assert.equal(b.consumerGroup.partitions.length, 3);
      assert.equal(b.consumerGroup.totalLag, 0);
      assert.ok(b.counters.written >= 2);
      assert.deepEqual(b.deadLetterTopic, { topic: "text-messages.dlq", messages: 0 });
      assert.deepEqual(Object.keys(b.messages).sort(), ["lastHour", "newest", "oldest", "total"]);
      assert.deepEqual(Object.keys(b.counters).sort(), [
        "deadLettered",
        "duplicates",
        "writeRetries",
        "written",
      ]);
      assert.deepEqual(Object.keys(b.consumerGroup.partitions[0]).sort(), [
        "committed",
        "high",
        "lag",
        "partition",
      ]);
      assert.equal(typeof b.consumerGroup.state, "string");
      assert.equal(typeof b.consumerGroup.members, "number");
      assert.equal(b.restarts, 0);
      assert.deepEqual(b.children, []);
    });

    await t.step("GET /metrics serves Prometheus text", async () => {
      const res = await send("/metrics");
      assert.equal(res.status, 200);
      assert.match(await res.text(), /sluice_messages_written_total\{pipeline="text"\}/);
    });

    await t.step("an unknown route is a JSON 404", async () => {
      const res = await send("/nope");
      assert.equal(res.status, 404);
      assert.match((await res.json()).error, /no route/);
    });
  } finally {
    await close();
  }
});

Deno.test("GET /ready is 503 naming the broker when it does not answer", async () => {
  const { app, close } = await testApp(({ admin }) => ({
    admin: { ...admin, ping: () => Promise.reject(new Error("broker down")) },
  }));
  try {
    const res = await app.request("/ready");
    assert.equal(res.status, 503);
    const b = await res.json();
    assert.equal(b.ready, false);
    assert.equal(b.checks.broker, "broker down");
    assert.equal(b.checks.database, "ok");
  } finally {
    await close();
  }
});

Deno.test("GET /ready is 503 naming the database when it does not answer", async () => {
  const { app, close } = await testApp(() => ({
    db: { query: () => Promise.reject(new Error("connection refused")) },
  }));
  try {
    const res = await app.request("/ready");
    assert.equal(res.status, 503);
    const b = await res.json();
    assert.equal(b.ready, false);
    assert.deepEqual(b.checks, { database: "connection refused", broker: "ok" });
  } finally {
    await close();
  }
});

Deno.test("POST /messages takes {text} or its alias {message}, with any printable id", async (t) => {
  const { app, close } = await testApp();
  const create = (body: unknown) =>
    app.request("/messages?wait=true", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  try {
    await t.step("{text} with seed 002's example id test-123 is stored under it", async () => {
      const res = await create({ id: "test-123", text: "from the seed" });
      assert.equal(res.status, 201);
      const b = await res.json();
      assert.equal(b.id, "test-123");
      assert.equal(b.message.message, "from the seed");
      const got = await app.request("/messages/test-123");
      assert.equal(got.status, 200);
      assert.deepEqual(
        { id: (await got.json()).id },
        { id: "test-123" },
      );
    });

    await t.step("the deprecated {message} still works", async () => {
      const res = await create({ message: "old client" });
      assert.equal(res.status, 201);
      assert.equal((await res.json()).message.message, "old client");
    });

    await t.step("both fields at once are refused naming message", async () => {
      const res = await create({ text: "a", message: "b" });
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), {
        error: "message: is a deprecated alias of text: send text only",
        field: "message",
      });
    });

    await t.step(
      "ids with spaces, slashes, ? and non-ASCII round-trip percent-encoded",
      async () => {
        for (const given of ["a b/c?d#e", "café-☕", "100%", "x".repeat(128), "😀".repeat(128)]) {
          assert.equal((await create({ id: given, text: given })).status, 201, given);
          const res = await app.request(`/messages/${encodeURIComponent(given)}`);
          assert.equal(res.status, 200, given);
          assert.equal((await res.json()).message, given);
        }
      },
    );

    await t.step("a body over the limit is 413 naming it, before it is read", async () => {
      const small = await testApp(() => ({ maxBodyBytes: 2_000 }));
      try {
        const res = await small.app.request("/messages", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "x".repeat(3_000) }),
        });
        assert.equal(res.status, 413);
        assert.deepEqual(await res.json(), {
          error: "body: larger than 2000 bytes",
          field: "body",
        });
        const fits = await small.app.request("/messages", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "x".repeat(1_000) }),
        });
        assert.equal(fits.status, 202);
      } finally {
        await small.close();
      }
    });

    await t.step("an absent id is 404, a NUL or too long id 400 naming id", async () => {
      assert.equal((await app.request("/messages/test-124")).status, 404);
      for (const bad of ["nul\u0000", "y".repeat(129)]) {
        const res = await app.request(`/messages/${encodeURIComponent(bad)}`);
        assert.equal(res.status, 400);
        assert.deepEqual((await res.json()).field, "id");
      }
    });
  } finally {
    await close();
  }
});
