/**
 * The repartition between the two stages of a scaled-out aggregator. Stage 1 (`router.ts`)
 * extracts each post's keywords and sends, for every batch, one record to every partition of
 * `trend-keywords`: the keywords that hash to that partition, and for every post its source
 * partition and offset, event time, receive time and URI even when none of its keywords is
 * there. Stage 2 (`aggregator.ts`) owns the partitions the group assigns it, each with its own
 * windows, detector and checkpoint.
 *
 * Why every partition hears of every post: the watermark, lateness, duplicates and the volume
 * of a slide (which the detector's expectation scales with) are decided per source partition
 * from every post, exactly as one aggregator reading `posts-classified` decides them. So a
 * partition with few keywords never holds windows open, every partition closes the same
 * windows, and the merged result does not depend on how many partitions or processes there are.
 * The raw post (for the data lake) travels to one partition only, chosen by its URI.
 */
import type { ClassifiedPost } from "../../schemas/mod.ts";
import type { OutRecord } from "../../transport/mod.ts";
import { textFingerprint } from "./_pane.ts";
import { keywords } from "./keywords.ts";
import type { KeywordOptions } from "./keywords.ts";
import type { WindowEvent } from "./windows.ts";

/** The keyword standing for every post: volume and sentiment over time. */
export const ALL_POSTS = "*";

/**
 * One post as one partition receives it: where it came from and when, and, when some of its
 * keywords are this partition's (or it owns the raw post), who wrote it, its text fingerprint,
 * its sentiment score, those keywords and the raw post.
 */
export type RoutedEvent = [
  sp: number,
  so: number,
  time: number,
  receivedAt: number,
  uri: string,
  author?: string,
  text?: number,
  score?: number,
  keywords?: string[],
  raw?: ClassifiedPost,
];

/** One record of `trend-keywords`: the source's partition count and a batch of events. */
export interface KeywordBatch {
  n: number;
  e: RoutedEvent[];
}

/** A post as stage 2 counts it: its window event, where it came from, and (owner) the post. */
export interface SourcedEvent {
  sp: number;
  so: number;
  ev: WindowEvent;
  /** Set on the one partition that files the post in the lake and counts its outcome. */
  raw?: ClassifiedPost;
}

/** FNV-1a of a string, unsigned: a partitioner that every process computes alike. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The fields of a post that trends use. */
export type TrendPost = Pick<
  ClassifiedPost,
  "uri" | "did" | "text" | "hashtags" | "langs" | "created_at" | "time_us" | "score"
>;

/** A post as the windows count it: its keywords (in its own languages) and `ALL_POSTS`. */
export function windowEvent(r: TrendPost, partition: number, ko: KeywordOptions): WindowEvent {
  return {
    partition,
    time: Date.parse(r.created_at),
    receivedAt: r.time_us / 1000,
    author: r.did,
    uri: r.uri,
    keywords: [ALL_POSTS, ...keywords(r.text, r.hashtags, { ...ko, langs: r.langs })],
    text: textFingerprint(r.text),
    score: r.score,
  };
}

export interface SourcedPost {
  post: ClassifiedPost;
  partition: number;
  offset: number;
}

/** Stage 1: a batch of posts as one record per partition of `trend-keywords` (all of them). */
export function routePosts(
  posts: SourcedPost[],
  partitions: number,
  sourcePartitions: number,
  ko: KeywordOptions,
): OutRecord[] {
  const events: RoutedEvent[][] = Array.from({ length: partitions }, () => []);
  const byPart: string[][] = Array.from({ length: partitions }, () => []);
  for (const { post, partition, offset } of posts) {
    const ev = windowEvent(post, partition, ko);
    for (const k of ev.keywords) byPart[hashString(k) % partitions].push(k);
    const owner = hashString(post.uri) % partitions;
    for (let p = 0; p < partitions; p++) {
      const kws = byPart[p];
      const e: RoutedEvent = [partition, offset, ev.time, ev.receivedAt!, ev.uri];
      if (kws.length || p === owner) e.push(ev.author, ev.text, ev.score, kws);
      if (p === owner) e.push(post);
      events[p].push(e);
      byPart[p] = [];
    }
  }
  return events.map((e, p) => ({
    partition: p,
    value: JSON.stringify({ n: sourcePartitions, e } satisfies KeywordBatch),
  }));
}

/** Stage 2: a record of `trend-keywords` back as events (undefined when it is not one). */
export function routedEvents(value: Uint8Array | null): KeywordBatch | undefined {
  if (!value) return undefined;
  let b: KeywordBatch;
  try {
    b = JSON.parse(new TextDecoder().decode(value));
  } catch {
    return undefined;
  }
  return Number.isInteger(b?.n) && Array.isArray(b.e) ? b : undefined;
}

export function toSourced(e: RoutedEvent): SourcedEvent {
  const [sp, so, time, receivedAt, uri, author, text, score, kws, raw] = e;
  return {
    sp,
    so,
    ev: {
      partition: sp,
      time,
      receivedAt,
      uri,
      author: author ?? "",
      text,
      score: score ?? 0,
      keywords: kws ?? [],
    },
    raw,
  };
}
