import assert from "node:assert/strict";
import fc from "fast-check";
import { assertParsesAsZod } from "../tests/helpers/same_parse.ts";
import { CreateMessage, describeIssue, FastTextMessage, MessageId, TextMessage } from "./mod.ts";

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

/** Mostly the valid form, sometimes anything else. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: other });
const LONG = "x".repeat(1_000_000);
const oddStrings = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({
    unit: fc.constantFrom("a", "\u0000", "\ud800", "\udc00", "\u0085", "\u200b", "\n", "\x7f"),
  }),
  fc.constantFrom(
    "",
    ".",
    "..",
    " ",
    "x".repeat(128),
    "x".repeat(129),
    "😀".repeat(128),
    LONG,
    LONG + "x",
  ),
);
const textInput = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      id: mostly(
        fc.oneof(fc.uuid(), fc.string({ unit: "grapheme-ascii", minLength: 1 })),
        fc.oneof(oddStrings, fc.jsonValue()),
      ),
      text: mostly(
        fc.string({ unit: "grapheme", minLength: 1 }),
        fc.oneof(oddStrings, fc.jsonValue()),
      ),
      extra: fc.jsonValue(),
    }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);

Deno.test("the fast text message parser accepts, refuses and explains exactly as the zod schema", () => {
  assertParsesAsZod(TextMessage, FastTextMessage, textInput, { runs: 5_000, minValid: 1_000 });
});
