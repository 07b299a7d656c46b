import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeUtf8, parseMessage, TextMessage } from "./mod.ts";

const strict = new TextDecoder("utf-8", { fatal: true });

/** What a strict decoder answers: the text, or its error's message. */
function outcome(decode: (b: Uint8Array) => string, bytes: number[]): string {
  try {
    return `ok ${decode(new Uint8Array(bytes))}`;
  } catch (err) {
    return `error ${err instanceof Error ? err.message : String(err)}`;
  }
}

Deno.test("decodeUtf8 answers as a fatal decoder: bad bytes throw, a real U+FFFD is kept", () => {
  const cases = [
    [0x7b, 0x7d], // {}
    [0xef, 0xbf, 0xbd], // U+FFFD itself
    [0x61, 0xef, 0xbf, 0xbd, 0xff], // U+FFFD then a bad byte
    [0xff], // never valid in UTF-8
    [0xc3], // a truncated sequence
    [0x61, 0xed, 0xa0, 0x80], // an encoded surrogate
    [0xef, 0xbb, 0xbf, 0x61], // a BOM, dropped by both
    [0xf0, 0x9f, 0x8d, 0x95], // 🍕
  ];
  for (const bytes of cases) {
    assert.equal(outcome(decodeUtf8, bytes), outcome((b) => strict.decode(b), bytes), `${bytes}`);
  }
  // Arbitrary bytes, mostly invalid, and valid text holding U+FFFD among other characters.
  const text = fc.string({ unit: fc.constantFrom("a", "\uFFFD", "é", "🍕"), maxLength: 20 });
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 24 }),
    text.map((t) => new TextEncoder().encode(t)),
  );
  fc.assert(
    fc.property(bytes, (b) => {
      assert.equal(outcome(decodeUtf8, [...b]), outcome((x) => strict.decode(x), [...b]));
    }),
    { numRuns: 2_000 },
  );
});

Deno.test("a message that is not UTF-8 is malformed JSON", () => {
  const r = parseMessage(new Uint8Array([0x7b, 0xff, 0x7d]), TextMessage, "message");
  assert.ok("invalid" in r);
  assert.match(r.invalid, /^malformed JSON: /);
});
