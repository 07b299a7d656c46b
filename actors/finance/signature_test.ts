import assert from "node:assert/strict";
import { sign, SIGNATURE_HEADER, signatureHeaders, TIMESTAMP_HEADER, verify } from "./signature.ts";

const body = new TextEncoder().encode('{"a":1}');
const now = 1_800_000_000_000;

Deno.test("a signature made with the secret verifies within the window", () => {
  const h = signatureHeaders("s3cret", body, now);
  assert.deepEqual(verify("s3cret", body, h[TIMESTAMP_HEADER], h[SIGNATURE_HEADER], 300, now), {
    ok: true,
  });
});

Deno.test("missing, wrong and stale signatures are refused with a reason", () => {
  const ts = Math.floor(now / 1000);
  const good = sign("s3cret", ts, body);
  const check = (t: string | undefined, s: string | undefined, at = now) =>
    verify("s3cret", body, t, s, 300, at);
  assert.equal(
    (check(undefined, good) as { reason: string }).reason,
    `missing ${TIMESTAMP_HEADER}`,
  );
  assert.equal(
    (check(String(ts), undefined) as { reason: string }).reason,
    `missing ${SIGNATURE_HEADER}`,
  );
  assert.equal(check(String(ts), sign("other", ts, body)).ok, false);
  assert.equal(check(String(ts), good.slice(0, -1)).ok, false);
  assert.equal(check(String(ts + 1), good).ok, false); // the timestamp is signed too
  const stale = check(String(ts), good, now + 301_000) as { reason: string };
  assert.match(stale.reason, /replay window/);
  assert.equal(check("12abc", good).ok, false);
  assert.ok(!JSON.stringify(stale).includes("s3cret"));
});
