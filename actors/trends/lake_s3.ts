/**
 * The data lake on any S3-compatible store (AWS S3, MinIO, S3Mock...): one gzip NDJSON object
 * per (kind, hour, checkpoint batch), named from the batch's checkpoint sequence number:
 *
 *     <prefix><kind>/date=YYYY-MM-DD/hour=HH/<kind>-<name>-<seq, 12 digits>.ndjson.gz
 *
 * Objects are immutable and written before the checkpoint of their batch commits. Resuming
 * deletes the objects of batches after the checkpoint (a crash between the upload and the
 * commit); the replayed batch then writes its own, so a replay never doubles data. Hour
 * partitions older than the retention are deleted by `prune` (a bucket lifecycle rule works too).
 *
 * Why gzip NDJSON and not Parquet: each object holds one batch (often tens of rows), far below
 * a useful Parquet row group; the rows' shapes stay free to grow; DuckDB (`read_json`), Spark
 * (`spark.read.json`) and the S3 tools read it as is, with `date=`/`hour=` as Hive partitions.
 */
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { gzipSync } from "node:zlib";
import type { Config } from "../../lib/config.ts";
import { DataLake } from "./lake.ts";
import type { Lake, LakeKind } from "./lake.ts";

const KINDS: LakeKind[] = ["posts", "windows", "alerts"];
const encoder = new TextEncoder();

export interface S3LakeOptions {
  bucket: string;
  /** Key prefix ending in "/" (or ""): several lakes can share a bucket. */
  prefix: string;
  /** The aggregator's name (`AGG_NAME`): each writer owns its objects. */
  name: string;
  retentionHours: number;
}

export class S3Lake implements Lake {
  /** Nothing to cut back on recovery: objects are named by batch. */
  readonly sizes: Record<string, number> = {};
  #cutoff = "";

  constructor(readonly client: S3Client, readonly o: S3LakeOptions) {}

  /** Deletes this writer's objects of batches after checkpoint `seq`. */
  async recover(_sizes: Record<string, number>, seq: number): Promise<void> {
    const stale: string[] = [];
    for (const kind of KINDS) {
      const own = new RegExp(`/${kind}-${escape(this.o.name)}-(\\d+)\\.ndjson\\.gz$`);
      for await (const key of this.#keys(`${this.o.prefix}${kind}/`)) {
        const m = own.exec(key);
        if (m && Number(m[1]) > seq) stale.push(key);
      }
    }
    await this.#delete(stale);
  }

  async append<T>(kind: LakeKind, items: T[], timeOf: (x: T) => number, seq: number) {
    const byPart = new Map<string, string[]>();
    for (const x of items) {
      const part = DataLake.partition(timeOf(x));
      let lines = byPart.get(part);
      if (!lines) byPart.set(part, lines = []);
      lines.push(JSON.stringify(x));
    }
    const file = `${kind}-${this.o.name}-${String(seq).padStart(12, "0")}.ndjson.gz`;
    await Promise.all([...byPart].map(([part, lines]) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.o.bucket,
          Key: `${this.o.prefix}${kind}/${part}/${file}`,
          Body: gzipSync(encoder.encode(lines.join("\n") + "\n")),
          ContentType: "application/x-ndjson",
          ContentEncoding: "gzip",
        }),
      )
    ));
  }

  /** Runs when the cutoff hour moves (at most once an hour), not on every batch. */
  async prune(nowMs: number): Promise<string[]> {
    const cutoff = DataLake.partition(nowMs - this.o.retentionHours * 3_600_000);
    if (cutoff === this.#cutoff) return [];
    const removed: string[] = [];
    for (const kind of KINDS) {
      const root = `${this.o.prefix}${kind}/`;
      for (const day of await this.#prefixes(root)) {
        const date = day.slice(root.length, -1);
        if (date > cutoff.slice(0, date.length)) continue;
        for (const hour of await this.#prefixes(day)) {
          const part = hour.slice(root.length, -1);
          if (part >= cutoff) continue;
          const keys: string[] = [];
          for await (const key of this.#keys(hour)) keys.push(key);
          await this.#delete(keys);
          removed.push(`${kind}/${part}`);
        }
      }
    }
    this.#cutoff = cutoff;
    return removed;
  }

  /** The pages of a listing under `prefix`; with `delimiter`, its "folders" too. */
  async *#pages(prefix: string, delimiter?: string) {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.o.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *#keys(prefix: string): AsyncIterable<string> {
    for await (const page of this.#pages(prefix)) {
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key;
    }
  }

  /** The "folders" right under `prefix` (`.../date=2026-11-24/`). */
  async #prefixes(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const page of this.#pages(prefix, "/")) {
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    }
    return out;
  }

  async #delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1_000) {
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.o.bucket,
          Delete: { Objects: keys.slice(i, i + 1_000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = res.Errors ?? [];
      if (failed.length) {
        throw new Error(`deleting lake objects failed: ${failed[0].Key}: ${failed[0].Message}`);
      }
    }
  }
}

/** An S3 client for an S3-compatible endpoint (path-style addressing when one is given). */
export function s3Client(
  c: Pick<
    Config,
    "LAKE_S3_ENDPOINT" | "LAKE_S3_REGION" | "LAKE_S3_ACCESS_KEY_ID" | "LAKE_S3_SECRET_ACCESS_KEY"
  >,
): S3Client {
  const accessKeyId = c.LAKE_S3_ACCESS_KEY_ID, secretAccessKey = c.LAKE_S3_SECRET_ACCESS_KEY;
  return new S3Client({
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    region: c.LAKE_S3_REGION,
    endpoint: c.LAKE_S3_ENDPOINT,
    forcePathStyle: c.LAKE_S3_ENDPOINT !== undefined,
    // Checksums only where S3 requires them: not every S3-compatible store knows the newer ones.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Creates the bucket unless it exists (the embedded experience: `deno task dev` just works). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) {
      throw err;
    }
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** The lake `c` asks for: S3 when `LAKE_S3_BUCKET` is set, else the folder `LAKE_DIR`. */
export async function openLake(c: Config, name: string): Promise<Lake> {
  if (c.LAKE_S3_BUCKET === undefined) {
    return new DataLake(c.LAKE_DIR, name, c.LAKE_RETENTION_HOURS);
  }
  const client = s3Client(c);
  await ensureBucket(client, c.LAKE_S3_BUCKET);
  return new S3Lake(client, {
    bucket: c.LAKE_S3_BUCKET,
    prefix: c.LAKE_S3_PREFIX,
    name,
    retentionHours: c.LAKE_RETENTION_HOURS,
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
