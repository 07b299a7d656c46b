/**
 * Wire and API schemas (zod), one file per pipeline: `text.ts`, `orders.ts`, `social.ts`,
 * `trends.ts`, `finance.ts`. A schema and its type share a name.
 */
export * from "./text.ts";
export { storable, unstorable } from "./_storable.ts";

import type { z } from "zod";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** What parses a message: a zod schema, or a fast path that answers as one. */
export interface Parser<T> {
  safeParse(data: unknown): z.ZodSafeParseResult<T>;
}

/**
 * Decodes and validates one message value: the parsed value, or the reason it is invalid
 * (`label` names what was expected, e.g. "message" or "order").
 */
export function parseMessage<T>(
  value: Uint8Array | null,
  schema: Parser<T>,
  label: string,
): T | { invalid: string } {
  if (value === null) return { invalid: "empty message (tombstone)" };
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(value));
  } catch (err) {
    return { invalid: `malformed JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const r = schema.safeParse(json);
  return r.success ? r.data : { invalid: `invalid ${label}: ${describeIssue(r.error).message}` };
}

/** A decoder of a message envelope's value with `schema` (see {@linkcode parseMessage}). */
export function decodeWith<T>(
  schema: Parser<T>,
  label: string,
): (env: { message: { value: Uint8Array | null } }) => T | { invalid: string } {
  return (env) => parseMessage(env.message.value, schema, label);
}

/** The first issue of a failed parse as "field: message". */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.length ? issue.path.join(".") : "body";
  return { field, message: `${field}: ${issue?.message ?? "invalid"}` };
}
export * from "./orders.ts";
export * from "./social.ts";
export * from "./trends.ts";
export * from "./finance.ts";
