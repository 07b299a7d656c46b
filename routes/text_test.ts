import assert from "node:assert/strict";
import { testApp } from "../tests/helpers/test_app.ts";

Deno.test("POST /messages refuses a message too large for a Kafka record, naming the field", async () => {
  const { app, close } = await testApp();
  try {
    const res = await app.request("/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "é".repeat(600_000) }), // 600,000 characters, 1.2 MB
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).field, "message");
  } finally {
    await close();
  }
});

Deno.test("POST /messages over the topic's max.message.bytes is a 413, not a 500", async () => {
  const { app, transport, close } = await testApp();
  try {
    transport.broker.topicLimits.set("text-messages", 4_096);
    const res = await app.request("/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "x".repeat(10_000) }),
    });
    assert.equal(res.status, 413);
    const body = await res.json();
    assert.equal(body.field, "body");
    assert.match(body.error, /limit of \d+ bytes/);
    const ok = await app.request("/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "small" }),
    });
    assert.equal(ok.status, 202);
  } finally {
    await close();
  }
});
