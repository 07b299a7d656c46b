import assert from "node:assert/strict";
import { Hono } from "hono";
import { limitBody } from "./_http.ts";
import type { ChildState } from "../runtime/supervisor.ts";
import { UpstreamError } from "../lib/errors.ts";
import { testApp } from "../tests/helpers/test_app.ts";

/** Faults the tests switch on: each replaces one dependency's answer with a failure. */
interface Faults {
  store: Error | null;
  broker: Error | null;
  never: boolean;
  children: ChildState[];
}

Deno.test("the error handler and degraded states", async (t) => {
  const faults: Faults = { store: null, broker: null, never: false, children: [] };
  const { app, close } = await testApp(({ texts, admin }) => {
    const guard = <T>(fault: Error | null, call: () => Promise<T>) =>
      fault ? Promise.reject(fault) : call();
    return {
      texts: Object.assign(Object.create(texts), {
        stats: () => guard(faults.store, () => texts.stats()),
        list: (limit: number, offset: number) =>
          guard(faults.store, () => texts.list(limit, offset)),
        get: (id: string) => faults.never ? Promise.resolve(null) : texts.get(id),
      }),
      admin: { ...admin, lag: (g, topic) => guard(faults.broker, () => admin.lag(g, topic)) },
      children: () => faults.children,
      waitTimeoutMs: 100,
    };
  });
  try {
    await t.step("a retriable upstream error is a 503 with its message", async () => {
      faults.store = new UpstreamError("DB_UNAVAILABLE", "Query failed: connection refused");
      const res = await app.request("/messages");
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { error: "Query failed: connection refused" });
    });

    await t.step("any other error is a 500 that does not leak its message", async () => {
      faults.store = new Error("secret detail");
      const res = await app.request("/stats");
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: "internal error" });
      faults.store = null;
    });

    await t.step("a broker client failure in /stats is a 503", async () => {
      faults.broker = new Error("KafkaJSConnectionError: Connection error");
      const res = await app.request("/stats");
      assert.equal(res.status, 503);
      assert.match((await res.json()).error, /lag failed: KafkaJSConnectionError/);
      faults.broker = null;
      assert.equal((await app.request("/stats")).status, 200);
    });

    await t.step("GET /health is 200 and degraded while a child restarts or failed", async () => {
      const child = (status: ChildState["status"]): ChildState => ({
        id: "text-writer",
        status,
        restarts: 1,
        lastError: "boom",
        since: new Date().toISOString(),
      });
      for (const status of ["restarting", "failed"] as const) {
        faults.children = [child("running"), child(status)];
        const res = await app.request("/health");
        assert.equal(res.status, 200);
        const b = await res.json();
        assert.equal(b.status, "degraded", status);
        assert.equal(b.children.length, 2);
      }
      faults.children = [child("running")];
      assert.equal((await (await app.request("/health")).json()).status, "ok");
    });

    await t.step("POST /messages?wait=true is 504 when the row does not appear", async () => {
      faults.never = true;
      const res = await app.request("/messages?wait=true", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: "lost" }),
      });
      assert.equal(res.status, 504);
      const b = await res.json();
      assert.equal(b.error, "timed out waiting for the message to be stored");
      assert.match(b.id, /^[0-9a-f-]{36}$/);
      faults.never = false;
    });
  } finally {
    await close();
  }
});

Deno.test("limitBody: 413 by the declared length without reading, or by counting a chunked body", async () => {
  const app = new Hono();
  let read = "";
  app.use("*", limitBody(10));
  app.all("/", async (c) => {
    read = await c.req.text();
    return c.text("ok");
  });
  /** A body stream that records whether anything pulled it. */
  const watched = (text: string) => {
    const seen = { pulled: false };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        seen.pulled = true;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    }, { highWaterMark: 0 }); // pulled only when read
    return { body, seen };
  };
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    app.request("/", { method: "POST", body, headers });

  const over = watched("x".repeat(11));
  const refused = await post(over.body, { "content-length": "11" });
  assert.equal(refused.status, 413);
  assert.deepEqual(await refused.json(), { error: "body: larger than 10 bytes", field: "body" });
  assert.equal(over.seen.pulled, false, "a declared length over the limit is refused unread");

  const fits = watched("y".repeat(10));
  assert.equal((await post(fits.body, { "content-length": "10" })).status, 200);
  assert.equal(read, "y".repeat(10));

  // No declared length: counted as it streams.
  assert.equal((await post(watched("z".repeat(11)).body)).status, 413);
  assert.equal((await post(watched("w".repeat(4)).body)).status, 200);
  assert.equal(read, "wwww");
  assert.equal((await app.request("/")).status, 200, "a GET has no body to limit");
});
