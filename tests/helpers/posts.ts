/** Classified posts for writer tests, and counts read back from the sinks. */
import { MongoClient } from "mongodb";
import { Redis } from "ioredis";
import type { ClassifiedPost } from "../../schemas/social.ts";
import { produceJson } from "./mod.ts";
import type { Sandbox } from "./mod.ts";

export function classifiedPosts(n: number, tag = "p"): ClassifiedPost[] {
  const t0 = Date.UTC(2026, 10, 24) * 1000;
  return Array.from({ length: n }, (_, i) => ({
    uri: `at://did:plc:writer${i % 50}/app.bsky.feed.post/${tag}${i}`,
    did: `did:plc:writer${i % 50}`,
    text: `post ${i} about $AAPL #markets`,
    langs: ["en"],
    created_at: new Date(t0 / 1000 + i).toISOString(),
    time_us: t0 + i,
    hashtags: ["markets"],
    mentions: [],
    sentiment: i % 3 === 0 ? "positive" : i % 3 === 1 ? "negative" : "neutral",
    score: 0.5,
    confidence: 0.8,
    entities: {
      people: [],
      organisations: [],
      places: [],
      tickers: ["$AAPL"],
      hashtags: ["markets"],
    },
    topics: ["markets"],
    asset_class: "equity",
    model: "test",
    classified_at: new Date(t0 / 1000 + i).toISOString(),
  }));
}

/** Produces classified posts as JSON to the sandbox's classified topic, keyed by author. */
export function produceClassified(s: Sandbox, posts: ClassifiedPost[]): Promise<void> {
  return produceJson(s, s.postsClassified, posts, (p) => p.did);
}

export async function sinkCounts(s: Sandbox): Promise<{ postgres: number; mongodb: number }> {
  const pg = await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM classified_posts`)
    .catch(() => [{ n: 0 }]);
  const client = new MongoClient(s.env.MONGODB_URL, { serverSelectionTimeoutMS: 3_000 });
  try {
    await client.connect();
    // `count` without a filter, not countDocuments: the wire server runs countDocuments' aggregate
    // over a list the writer is appending to and fails with ConcurrentModificationException. With
    // no filter the wire server answers `count` from the collection's size, which is exact.
    const mongodb = await client.db().collection(s.env.MONGODB_COLLECTION)
      .estimatedDocumentCount();
    return { postgres: pg[0].n, mongodb };
  } finally {
    await client.close();
  }
}

export function redis(s: Sandbox): Redis {
  return new Redis(s.env.REDIS_URL);
}
