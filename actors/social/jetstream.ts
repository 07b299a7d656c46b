/**
 * Jetstream frames → `PostData`. A frame is one JSON event; only commits that create an
 * `app.bsky.feed.post` become posts, after the record passes the lexicon validator of
 * npm:@atproto/api. Everything else is classified so the reader can count it and move on.
 */
import { AppBskyFeedPost } from "@atproto/api";
import type { PostData } from "../../schemas/social.ts";

export type FrameResult =
  | { kind: "post"; post: PostData; timeUs: number }
  | { kind: "delete" | "skipped"; timeUs: number }
  | { kind: "malformed" | "invalid"; reason: string; timeUs: number | null };

interface Facet {
  features?: Array<{ $type?: string; tag?: string; did?: string }>;
}

export function parseFrame(frame: string): FrameResult {
  let ev: Record<string, unknown>;
  try {
    ev = JSON.parse(frame);
  } catch (err) {
    return { kind: "malformed", reason: `not JSON: ${(err as Error).message}`, timeUs: null };
  }
  if (
    !ev || typeof ev !== "object" || typeof ev.time_us !== "number" || typeof ev.did !== "string"
  ) {
    return { kind: "malformed", reason: "missing did or time_us", timeUs: null };
  }
  const timeUs = ev.time_us;
  if (ev.kind !== "commit") return { kind: "skipped", timeUs };
  const commit = ev.commit as Record<string, unknown> | undefined;
  if (!commit || typeof commit !== "object") {
    return { kind: "malformed", reason: "commit event without a commit", timeUs };
  }
  if (commit.collection !== "app.bsky.feed.post") return { kind: "skipped", timeUs };
  if (commit.operation === "delete") return { kind: "delete", timeUs };
  if (commit.operation !== "create") return { kind: "skipped", timeUs };
  if (typeof commit.rkey !== "string" || !commit.rkey) {
    return { kind: "malformed", reason: "commit without an rkey", timeUs };
  }
  const checked = AppBskyFeedPost.validateRecord(commit.record);
  if (!checked.success) {
    return {
      kind: "invalid",
      reason: `not an app.bsky.feed.post: ${checked.error.message}`,
      timeUs,
    };
  }
  const record = checked.value as AppBskyFeedPost.Record;
  const hashtags = new Set<string>();
  const mentions = new Set<string>();
  for (const facet of (record.facets ?? []) as Facet[]) {
    for (const f of facet.features ?? []) {
      if (f.$type === "app.bsky.richtext.facet#tag" && f.tag) hashtags.add(f.tag.toLowerCase());
      if (f.$type === "app.bsky.richtext.facet#mention" && f.did) mentions.add(f.did);
    }
  }
  const createdAt = new Date(record.createdAt);
  if (Number.isNaN(createdAt.getTime())) {
    return { kind: "invalid", reason: "createdAt is not a date", timeUs };
  }
  return {
    kind: "post",
    timeUs,
    post: {
      uri: `at://${ev.did}/app.bsky.feed.post/${commit.rkey}`,
      did: ev.did,
      text: record.text,
      langs: record.langs ?? [],
      created_at: createdAt.toISOString(),
      time_us: timeUs,
      hashtags: [...hashtags],
      mentions: [...mentions],
    },
  };
}
