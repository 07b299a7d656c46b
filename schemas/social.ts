import { z } from "zod";
import { storable } from "./_storable.ts";

/** A Bluesky post as the firehose reader publishes it to `posts-raw`. */
export const PostData = z.object({
  uri: storable(
    z.string().regex(
      /^at:\/\/did:[a-z]+:[^/]+\/app\.bsky\.feed\.post\/[^/]+$/,
      "must be an at:// post URI",
    ),
  ),
  did: storable(z.string().regex(/^did:[a-z]+:\S+$/, "must be a DID")),
  /** Stored in PostgreSQL and MongoDB: no NUL, no unpaired surrogate (see `_storable.ts`). */
  text: storable(z.string().max(10_000)),
  langs: z.array(storable()).default([]),
  created_at: z.iso.datetime({ offset: true }),
  time_us: z.number().int().nonnegative(),
  hashtags: z.array(storable()).default([]),
  mentions: z.array(storable()).default([]),
});
export type PostData = z.infer<typeof PostData>;

export const Sentiment = z.enum(["positive", "negative", "neutral"]);
export const AssetClass = z.enum(["equity", "crypto", "forex", "commodity", "macro", "none"]);

/** What a classifier backend answers for one text (also the JSON schema given to Ollama). */
export const Classification = z.object({
  sentiment: Sentiment,
  score: z.number().min(-1).max(1),
  confidence: z.number().min(0).max(1),
  entities: z.object({
    people: z.array(z.string()),
    organisations: z.array(z.string()),
    places: z.array(z.string()),
    tickers: z.array(z.string()),
    hashtags: z.array(z.string()),
  }),
  topics: z.array(z.string()),
  asset_class: AssetClass,
});
export type Classification = z.infer<typeof Classification>;

/** A post on `posts-classified`: the post, its classification, and who classified it when. */
export const ClassifiedPost = PostData.extend({
  ...Classification.shape,
  model: z.string(),
  classified_at: z.iso.datetime({ offset: true }),
});
export type ClassifiedPost = z.infer<typeof ClassifiedPost>;
