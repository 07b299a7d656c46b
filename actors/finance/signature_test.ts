import assert from "node:assert/strict";
import fc from "fast-check";
import { sign, SIGNATURE_HEADER, signatureHeaders, TIMESTAMP_HEADER, verify } from "./signature.ts";

const body = new TextEncoder().encode('{"a":1}');
const now = 1_800_000_000_000;

Deno.test("a signature made with the secret verifies within the window", async () => {
  const h = signatureHeaders("s3cret", body, now);
  assert.deepEqual(
    await verify("s3cret", body, h[TIMESTAMP_HEADER], h[SIGNATURE_HEADER], 300, now),
    {
      ok: true,
    },
  );
});

Deno.test("missing, wrong and stale signatures are refused with a reason", async () => {
  const ts = Math.floor(now / 1000);
  const good = sign("s3cret", ts, body);
  const check = (t: string | undefined, s: string | undefined, at = now) =>
    verify("s3cret", body, t, s, 300, at);
  assert.equal(
    (await check(undefined, good) as { reason: string }).reason,
    `missing ${TIMESTAMP_HEADER}`,
  );
  assert.equal(
    (await check(String(ts), undefined) as { reason: string }).reason,
    `missing ${SIGNATURE_HEADER}`,
  );
  assert.equal((await check(String(ts), sign("other", ts, body))).ok, false);
  assert.equal((await check(String(ts), good.slice(0, -1))).ok, false);
  assert.equal((await check(String(ts + 1), good)).ok, false); // the timestamp is signed too
  const stale = await check(String(ts), good, now + 301_000) as { reason: string };
  assert.match(stale.reason, /replay window/);
  assert.equal((await check("12abc", good)).ok, false);
  assert.ok(!JSON.stringify(stale).includes("s3cret"));
});

Deno.test("the receiver's HMAC (hash-wasm) agrees with the sender's (node:crypto) on any secret and body", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ minLength: 1, maxLength: 100, unit: "binary" }),
      fc.uint8Array({ maxLength: 3_000 }),
      fc.integer({ min: 0, max: 255 }),
      async (secret, bytes, flip) => {
        const h = signatureHeaders(secret, bytes, now);
        const at = (b: Uint8Array) =>
          verify(secret, b, h[TIMESTAMP_HEADER], h[SIGNATURE_HEADER], 300, now);
        assert.deepEqual(await at(bytes), { ok: true });
        // A body with one byte changed (an empty one: with one byte more) is refused.
        const changed = bytes.length
          ? bytes.with(flip % bytes.length, bytes[flip % bytes.length] ^ 1)
          : Uint8Array.of(flip);
        assert.equal((await at(changed)).ok, false);
      },
    ),
    { numRuns: 300 },
  );
});
