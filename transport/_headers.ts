/**
 * Headers as a consumer hands them over: decoded as UTF-8 for everyone, with the bytes kept
 * beside them when they arrived as bytes, so a dead letter can carry them unaltered.
 */
import type { InMessage } from "./types.ts";

const decoder = new TextDecoder();

export function inHeaders(
  h: Record<string, unknown> | undefined,
): Pick<InMessage, "headers" | "rawHeaders"> {
  const headers: Record<string, string> = {};
  let raw: Record<string, Uint8Array> | undefined;
  for (const [k, v] of Object.entries(h ?? {})) {
    if (typeof v === "string") {
      headers[k] = v;
    } else if (v instanceof Uint8Array) {
      headers[k] = decoder.decode(v);
      (raw ??= {})[k] = v;
    }
  }
  return raw ? { headers, rawHeaders: raw } : { headers };
}
