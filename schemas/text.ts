import { z } from "zod";

/** PostgreSQL text cannot hold NUL characters; such a message is invalid, not a database fault. */
const Text = z.string().min(1, "must not be empty").max(
  1_000_000,
  "must be at most 1,000,000 characters",
)
  .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");

/** A message on the `text-messages` topic. */
export const TextMessage = z.object({
  id: z.uuid(),
  text: Text,
});
export type TextMessage = z.infer<typeof TextMessage>;

/** The body of `POST /messages`. */
export const CreateMessage = z.object({
  message: Text,
  id: z.uuid().optional(),
});
export type CreateMessage = z.infer<typeof CreateMessage>;

export const MessageId = z.uuid();
