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
