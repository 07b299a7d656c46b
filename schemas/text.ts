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

/** Printable ASCII: an id of these alone is printable, and its length counts its code points. */
const PLAIN_ID = /^[\x20-\x7e]{1,128}$/;

/**
 * `TextMessage` with a hand-checked path for the usual message: a plain object whose `id` is
 * printable ASCII other than "." and "..", and whose `text` is storable and of an allowed
 * length, parses to `{ id, text }` without zod (zod's parse was a third of the text writer's
 * decoding CPU); anything else goes to zod, which answers and explains as it always does.
 * Equal to `TextMessage` on any input: `text_test.ts` checks it with generated messages.
 */
export const FastTextMessage = {
  safeParse(v: unknown): z.ZodSafeParseResult<TextMessage> {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const { id, text } = v as Record<string, unknown>;
      if (
        typeof id === "string" && PLAIN_ID.test(id) && id !== "." && id !== ".." &&
        typeof text === "string" && text.length >= 1 && text.length <= 1_000_000 &&
        !text.includes("\u0000") && text.isWellFormed()
      ) {
        return { success: true, data: { id, text } };
      }
    }
    return TextMessage.safeParse(v);
  },
};

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
