/**
 * Sinks for classified posts, each idempotent by the post URI: PostgreSQL (`classified_posts`,
 * batched) and MongoDB (`classified_posts`, `_id` = uri, unordered bulk inserts where a
 * duplicate-key error 11000 counts as already stored).
 */
import { MongoClient } from "mongodb";
import type { Collection } from "mongodb";
import { UpstreamError } from "../../lib/errors.ts";
import type { ClassifiedPost } from "../../schemas/social.ts";
import type { Db } from "../../db/db.ts";

export interface PostSink {
  readonly name: "postgres" | "mongodb";
  /** Stores the posts not stored yet; returns how many were new. */
  write(posts: ClassifiedPost[]): Promise<number>;
  count(): Promise<number>;
  close(): Promise<void>;
}

export class PostgresPostSink implements PostSink {
  readonly name = "postgres" as const;
  constructor(readonly db: Db) {}

  async write(posts: ClassifiedPost[]): Promise<number> {
    if (posts.length === 0) return 0;
    const rows = await this.db.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO classified_posts (uri, did, text, langs, created_at, time_us, hashtags,
           mentions, sentiment, score, confidence, entities, topics, asset_class, model,
           classified_at)
         SELECT uri, did, text, langs, created_at, time_us, hashtags, mentions, sentiment, score,
           confidence, entities, topics, asset_class, model, classified_at
         FROM jsonb_to_recordset($1::jsonb) AS p(uri text, did text, text text, langs text[],
           created_at timestamptz, time_us bigint, hashtags text[], mentions text[],
           sentiment text, score double precision, confidence double precision,
           entities jsonb, topics text[], asset_class text, model text,
           classified_at timestamptz)
         ON CONFLICT (uri) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [JSON.stringify(posts)],
    );
    return rows[0].n;
  }

  async count(): Promise<number> {
    return (await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM classified_posts`))[
      0
    ]
      .n;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

type PostDoc = ClassifiedPost & { _id: string };

export class MongoPostSink implements PostSink {
  readonly name = "mongodb" as const;
  #client: MongoClient;
  #collection: Collection<PostDoc>;

  private constructor(client: MongoClient, collection: Collection<PostDoc>) {
    this.#client = client;
    this.#collection = collection;
  }

  /** Connects and makes sure the indexes exist. */
  static async open(url: string, collection = "classified_posts"): Promise<MongoPostSink> {
    // No `serverApi`: the MongoDB wire server used in tests has no `hello` handshake.
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.connect();
      const col = client.db().collection<PostDoc>(collection);
      await col.createIndexes([
        { key: { created_at: 1 } },
        { key: { sentiment: 1 } },
        { key: { did: 1 } },
      ]);
      return new MongoPostSink(client, col);
    } catch (err) {
      await client.close().catch(() => {});
      throw new UpstreamError("MONGO_UNAVAILABLE", `MongoDB at ${url} is not available`, {
        cause: err,
      });
    }
  }

  async write(posts: ClassifiedPost[]): Promise<number> {
    if (posts.length === 0) return 0;
    const docs = posts.map((p) => ({ _id: p.uri, ...p }));
    try {
      const r = await this.#collection.insertMany(docs, { ordered: false });
      return r.insertedCount;
    } catch (err) {
      const e = err as { code?: number; writeErrors?: Array<{ code: number }> | { code: number } };
      const errors = Array.isArray(e.writeErrors)
        ? e.writeErrors
        : e.writeErrors
        ? [e.writeErrors]
        : [];
      // Only duplicate keys: those posts are already stored. Anything else is a real failure.
      if (errors.length > 0 && errors.every((w) => w.code === 11000)) {
        return posts.length - errors.length;
      }
      throw new UpstreamError("MONGO_WRITE_FAILED", "Writing to MongoDB failed", { cause: err });
    }
  }

  count(): Promise<number> {
    // The `count` command, not countDocuments: the wire server races its aggregate against inserts.
    return this.#collection.estimatedDocumentCount();
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
