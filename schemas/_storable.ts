/**
 * Text that PostgreSQL can hold unaltered. Its `text` and `jsonb` types refuse NUL (U+0000), and
 * a string with an unpaired surrogate is not Unicode: encoded as UTF-8 it silently becomes
 * U+FFFD. Either would be altered or fail a whole insert, so the schemas refuse them, naming the
 * field, and the message goes to the dead-letter topic (or the request gets a 400) instead.
 */
import { z } from "zod";

/** `s` refusing unpaired surrogates. */
export function wellFormed(s: z.ZodString = z.string()): z.ZodString {
  return s.refine(
    (v) => v.isWellFormed(),
    "must not contain unpaired surrogates (not valid Unicode)",
  );
}

/** `s` refusing NUL characters and unpaired surrogates. */
export function storable(s: z.ZodString = z.string()): z.ZodString {
  return wellFormed(s.refine((v) => !v.includes("\u0000"), "must not contain NUL characters"));
}
