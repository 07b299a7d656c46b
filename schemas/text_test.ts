import assert from "node:assert/strict";
import { CreateMessage, describeIssue, MessageId } from "./mod.ts";

Deno.test("MessageId accepts any printable id up to 128 characters", () => {
  for (const id of ["test-123", crypto.randomUUID(), "a b/c?d", "café", "x".repeat(128)]) {
    assert.equal(MessageId.parse(id), id);
  }
  // Characters are code points: 128 emoji are 256 UTF-16 units and still fit.
  assert.ok(MessageId.safeParse("😀".repeat(128)).success);
});

Deno.test("MessageId refuses empty, long, unprintable and dot-segment ids", () => {
  const cases: Array<[unknown, RegExp]> = [
    ["", /empty/],
    ["x".repeat(129), /at most 128/],
    ["nul\u0000", /printable/],
    ["new\nline", /printable/],
    ["c1\u0085", /printable/],
    ["zero\u200bwidth", /printable/],
    ["lone\ud800", /printable/],
    [".", /"\."/],
    ["..", /"\.\."/],
    [123, /string/],
  ];
  for (const [id, why] of cases) {
    const r = MessageId.safeParse(id);
    assert.ok(!r.success, String(id));
    assert.match(r.error.issues[0].message, why, String(id));
  }
});

Deno.test("CreateMessage takes text or its alias message, never both, never neither", () => {
  assert.deepEqual(CreateMessage.parse({ text: "a", id: "test-123" }), {
    text: "a",
    id: "test-123",
  });
  assert.deepEqual(CreateMessage.parse({ message: "a" }), { message: "a" });
  const issue = (body: unknown) => {
    const r = CreateMessage.safeParse(body);
    assert.ok(!r.success);
    return describeIssue(r.error);
  };
  assert.deepEqual(issue({ text: "a", message: "b" }), {
    field: "message",
    message: "message: is a deprecated alias of text: send text only",
  });
  assert.deepEqual(issue({}), { field: "text", message: "text: is required" });
  assert.equal(issue({ text: "a", id: "" }).field, "id");
});
