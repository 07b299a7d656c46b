/**
 * Webhook signatures: `x-sluice-signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`
 * with `x-sluice-timestamp: <unix seconds>`, one secret per source. A signature is accepted only
 * within the replay window around the timestamp; comparison is constant-time.
 */
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-sluice-signature";
export const TIMESTAMP_HEADER = "x-sluice-timestamp";

/** `sha256=<hex>` for `body` sent at `timestamp` (unix seconds). */
export function sign(secret: string, timestamp: number, body: Uint8Array | string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(body);
  return `sha256=${mac.digest("hex")}`;
}

/** The two headers a sender adds. */
export function signatureHeaders(
  secret: string,
  body: Uint8Array | string,
  now = Date.now(),
): Record<string, string> {
  const ts = Math.floor(now / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sign(secret, ts, body) };
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Checks a delivery's headers against `secret`; the reason never contains the secret. */
export function verify(
  secret: string,
  body: Uint8Array,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  toleranceS: number,
  now = Date.now(),
): Verdict {
  if (!timestampHeader || !signatureHeader) {
    return {
      ok: false,
      reason: `missing ${!timestampHeader ? TIMESTAMP_HEADER : SIGNATURE_HEADER}`,
    };
  }
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: "malformed timestamp" };
  const ts = Number(timestampHeader);
  if (Math.abs(now / 1000 - ts) > toleranceS) {
    return { ok: false, reason: `timestamp outside the ${toleranceS} s replay window` };
  }
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(signatureHeader);
  // timingSafeEqual needs equal lengths; the length of a sha256 hex digest is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "signature does not match" };
  }
  return { ok: true };
}
