/**
 * A synthetic stream for trend tests: a flat background of ordinary keywords (round-robin, so
 * every background word has the same count each minute) and injected bursts, as classified
 * posts in event-time order.
 */
import type { ClassifiedPost } from "../../schemas/social.ts";

export interface Burst {
  tag: string;
  /** Burst start and end, minutes from the stream start. */
  from: number;
  to: number;
  perMinute: number;
  authors: number;
}

export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const BACKGROUND = [
  "coffee",
  "morning",
  "music",
  "weekend",
  "garden",
  "travel",
  "dinner",
  "movie",
  "weather",
  "running",
  "books",
  "family",
  "office",
  "train",
  "pizza",
];

export function trendStream(
  minutes: number,
  bursts: Burst[],
  backgroundPerMinute = 15,
): ClassifiedPost[] {
  const posts: ClassifiedPost[] = [];
  let n = 0;
  for (let m = 0; m < minutes; m++) {
    const events: Array<{ at: number; did: string; text: string; tags: string[] }> = [];
    for (let i = 0; i < backgroundPerMinute; i++) {
      const words = [0, 1, 2].map((j) =>
        BACKGROUND[(m * backgroundPerMinute * 3 + i * 3 + j) % BACKGROUND.length]
      );
      events.push({
        at: (i * 60_000) / backgroundPerMinute,
        did: `did:plc:bg${i % 40}`,
        text: words.join(" "),
        tags: [],
      });
    }
    for (const b of bursts) {
      if (m < b.from || m >= b.to) continue;
      for (let i = 0; i < b.perMinute; i++) {
        events.push({
          at: ((i + 0.5) * 60_000) / b.perMinute,
          did: `did:plc:${b.tag}${i % b.authors}`,
          // Each post its own text: identical texts from many accounts count as one voice.
          text: `look at this #${b.tag} ${m}-${i}`,
          tags: [b.tag],
        });
      }
    }
    events.sort((x, y) => x.at - y.at);
    for (const e of events) {
      const t = T0 + m * 60_000 + Math.floor(e.at);
      posts.push({
        uri: `at://${e.did}/app.bsky.feed.post/s${n++}`,
        did: e.did,
        text: e.text,
        langs: ["en"],
        created_at: new Date(t).toISOString(),
        time_us: t * 1000,
        hashtags: e.tags,
        mentions: [],
        sentiment: "neutral",
        score: 0.2,
        confidence: 0.5,
        entities: { people: [], organisations: [], places: [], tickers: [], hashtags: e.tags },
        topics: [],
        asset_class: "none",
        model: "test",
        classified_at: new Date(t).toISOString(),
      });
    }
  }
  return posts;
}

/** The bursts the trend tests use: two simultaneous multi-author bursts and a one-author one. */
export const BURSTS: Burst[] = [
  { tag: "eclipse", from: 30, to: 45, perMinute: 15, authors: 30 },
  { tag: "launch", from: 30, to: 40, perMinute: 8, authors: 20 },
  { tag: "spamcoin", from: 20, to: 50, perMinute: 20, authors: 1 },
];

/**
 * The stream as the aggregator sees it upstream: after every 400th post the firehose's reconnect
 * rewind sends the last three posts again (same URIs), and one post early on has a `created_at`
 * a year ahead of its receive time. Neither may change a window, an alert or a lake line.
 */
export function withUpstreamFaults(
  posts: ClassifiedPost[],
): { stream: ClassifiedPost[]; future: ClassifiedPost } {
  const year = 365 * 24 * 3_600_000;
  const at = posts[100];
  const future = {
    ...at,
    uri: at.uri.replace(/\/s(\d+)$/, "/future$1"),
    created_at: new Date(Date.parse(at.created_at) + year).toISOString(),
  };
  const stream: ClassifiedPost[] = [];
  posts.forEach((p, i) => {
    stream.push(p);
    if (i === 100) stream.push(future);
    if (i % 400 === 399) stream.push(...posts.slice(i - 2, i + 1));
  });
  return { stream, future };
}
