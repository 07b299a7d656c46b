import assert from "node:assert/strict";
import { parseText } from "./writer.ts";

const enc = new TextEncoder();

Deno.test("parseText accepts a valid message and names what is wrong with others", () => {
  const id = crypto.randomUUID();
  assert.deepEqual(parseText(enc.encode(JSON.stringify({ id, text: "hi" }))), { id, text: "hi" });
  assert.match(parseText(null) as string, /tombstone/);
  assert.match(parseText(enc.encode("{")) as string, /^malformed JSON/);
  assert.match(parseText(new Uint8Array([0xff, 0xfe])) as string, /^malformed JSON/);
  assert.deepEqual(parseText(enc.encode(JSON.stringify({ id: "test-123", text: "hi" }))), {
    id: "test-123",
    text: "hi",
  });
  assert.match(parseText(enc.encode(JSON.stringify({ id: "", text: "hi" }))) as string, /id/);
  assert.match(
    parseText(enc.encode(JSON.stringify({ id: "a\u0000", text: "hi" }))) as string,
    /id/,
  );
  assert.match(parseText(enc.encode(JSON.stringify({ id, text: "" }))) as string, /text/);
  assert.match(parseText(enc.encode(JSON.stringify([1]))) as string, /invalid message/);
});
