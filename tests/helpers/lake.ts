/**
 * A data lake under test, either backend: the variables that point a role at it, and its records
 * read back in write order (a folder's files by path, a bucket's objects by key).
 */
import { gunzipSync } from "node:zlib";
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { ensureBucket, s3Client } from "../../actors/trends/lake_s3.ts";
import { S3_ENDPOINT, uniqueName } from "./mod.ts";

export interface TestLake {
  /** Environment variables for the aggregator role. */
  env: Record<string, string>;
  /** Every line of `kind` (posts, windows, alerts), partitions in order, writes in order. */
  lines(kind: string): Promise<string[]>;
  dispose(): Promise<void>;
}

const split = (text: string) => text.split("\n").filter((l) => l !== "");

/** A client of the S3 API server of `services.sh` (any credentials), and a fresh bucket. */
export async function testBucket(): Promise<{ client: S3Client; bucket: string }> {
  const env = {
    LAKE_S3_ENDPOINT: S3_ENDPOINT,
    LAKE_S3_REGION: "us-east-1",
    LAKE_S3_ACCESS_KEY_ID: "test",
    LAKE_S3_SECRET_ACCESS_KEY: "test",
  };
  const client = s3Client(env);
  const bucket = uniqueName("lake").toLowerCase();
  await ensureBucket(client, bucket);
  return { client, bucket };
}

/**
 * Deletes a test bucket with its objects and closes the client: the S3 server's store (kept between
 * runs) then holds only what a run still uses.
 */
export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** The text of an object (gunzipped when it is `.gz`). */
export async function objectText(client: S3Client, bucket: string, key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await res.Body!.transformToByteArray();
  return new TextDecoder().decode(key.endsWith(".gz") ? gunzipSync(bytes) : bytes);
}

export async function folderLake(): Promise<TestLake> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-lake-" });
  const files = async (kind: string) => {
    const out: string[] = [];
    for await (const d of Deno.readDir(dir)) {
      for await (const h of Deno.readDir(`${dir}/${d.name}`)) {
        for await (const f of Deno.readDir(`${dir}/${d.name}/${h.name}`)) {
          if (f.name.startsWith(`${kind}-`)) out.push(`${dir}/${d.name}/${h.name}/${f.name}`);
        }
      }
    }
    return out.sort();
  };
  return {
    env: { LAKE_DIR: dir },
    lines: async (kind) =>
      (await Promise.all((await files(kind)).map((f) => Deno.readTextFile(f)))).flatMap(split),
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}

export async function s3Lake(): Promise<TestLake> {
  const { client, bucket } = await testBucket();
  return {
    env: {
      LAKE_S3_BUCKET: bucket,
      LAKE_S3_ENDPOINT: S3_ENDPOINT,
      LAKE_S3_ACCESS_KEY_ID: "test",
      LAKE_S3_SECRET_ACCESS_KEY: "test",
    },
    async lines(kind) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `${kind}/`,
            ContinuationToken: token,
          }),
        );
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const texts = await Promise.all(keys.sort().map((k) => objectText(client, bucket, k)));
      return texts.flatMap(split);
    },
    dispose: () => dropBucket(client, bucket),
  };
}
