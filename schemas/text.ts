import { z } from "zod";
import { storable } from "./_storable.ts";

/**
 * PostgreSQL text cannot hold NUL characters or unpaired surrogates; such a message is invalid,
 * not a database fault.
 */
const Text = storable(
  z.string().min(1, "must not be empty").max(1_000_000, "must be at most 1,000,000 characters"),
);

export const MAX_ID_CHARACTERS = 128;

/**
 * Characters an id may not hold: control characters (NUL, newlines, DEL, C1), invisible format
 * characters, line and paragraph separators, and unpaired surrogates (not encodable as UTF-8).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * A message id: any non-empty string of at most 128 printable characters (code points), such
 * as a UUID or "test-123". "." and ".." are refused: URLs cannot carry them as a path segment,
 * so `GET /messages/:id` could never find them.
 */
export const MessageId = z.string()
  .min(1, "must not be empty")
  .refine(
    (s) => [...s].length <= MAX_ID_CHARACTERS,
    `must be at most ${MAX_ID_CHARACTERS} characters`,
  )
  .refine((s) => !UNPRINTABLE.test(s), "must contain only printable characters")
  .refine((s) => s !== "." && s !== "..", 'must not be "." or ".."');
export type MessageId = z.infer<typeof MessageId>;

/** A message on the `text-messages` topic. */
export const TextMessage = z.object({
  id: MessageId,
  text: Text,
});
export type TextMessage = z.infer<typeof TextMessage>;

/**
 * The body of `POST /messages`: `text`, or `message`, its deprecated alias kept for clients of
 * the first API; exactly one of them.
 */
export const CreateMessage = z.object({
  text: Text.optional(),
  /** @deprecated Send `text`. */
  message: Text.optional(),
  id: MessageId.optional(),
}).superRefine(({ text, message }, ctx) => {
  if (text !== undefined && message !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["message"],
      message: "is a deprecated alias of text: send text only",
    });
  } else if (text === undefined && message === undefined) {
    ctx.addIssue({ code: "custom", path: ["text"], message: "is required" });
  }
});
export type CreateMessage = z.infer<typeof CreateMessage>;
