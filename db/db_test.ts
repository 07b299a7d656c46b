import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { utf8Buffer } from "./db.ts";

Deno.test("utf8Buffer encodes ASCII and other text as Buffer.from does", () => {
  const cases = [
    "",
    "abc\tdef\n",
    "café",
    "😀 x",
    "lone \ud800 surrogate",
    "x".repeat(70_000) + "é",
  ];
  for (const s of cases) {
    assert.ok(utf8Buffer(s).equals(Buffer.from(s)), JSON.stringify(s.slice(0, 20)));
  }
});
