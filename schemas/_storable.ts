/**
 * Text that PostgreSQL can hold unaltered. Its `text` and `jsonb` types refuse NUL (U+0000), and
 * a string with an unpaired surrogate is not Unicode: encoded as UTF-8 it silently becomes
 * U+FFFD. Either would be altered or fail a whole insert, so the schemas refuse them, naming the
 * field, and the message goes to the dead-letter topic (or the request gets a 400) instead.
 */
import { z } from "zod";

const NUL = "must not contain NUL characters";
const UNPAIRED = "must not contain unpaired surrogates (not valid Unicode)";

/** Why PostgreSQL cannot hold `v` unaltered, or null when it can. */
export function unstorable(v: string): string | null {
  if (v.includes("\u0000")) return NUL;
  if (!v.isWellFormed()) return UNPAIRED;
  return null;
}

/** `s` refusing unpaired surrogates. */
export function wellFormed(s: z.ZodString = z.string()): z.ZodString {
  return s.refine((v) => v.isWellFormed(), UNPAIRED);
}

/** `s` refusing NUL characters and unpaired surrogates. */
export function storable(s: z.ZodString = z.string()): z.ZodString {
  return wellFormed(s.refine((v) => !v.includes("\u0000"), NUL));
}
