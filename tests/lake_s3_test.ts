/**
 * The data lake on a real S3 API server (S3Mock from `services.sh`): objects per checkpoint
 * batch under `<kind>/date=/hour=`, recovery that removes a crashed batch's objects so the replay
 * does not double them, and retention.
 */
import assert from "node:assert/strict";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { S3Lake } from "../actors/trends/lake_s3.ts";
import { dropBucket, objectText, testBucket } from "./helpers/lake.ts";

const H = 3_600_000;
const T = Date.UTC(2026, 10, 24, 10, 30);

async function keys(client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

async function lines(client: S3Client, bucket: string, key: string): Promise<unknown[]> {
  return (await objectText(client, bucket, key)).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("S3 lake: one gzip NDJSON object per kind, hour and batch; recovery drops the crashed batch", async () => {
  const { client, bucket: b } = await testBucket();
  try {
    const lake = new S3Lake(client, {
      bucket: b,
      prefix: "lake/",
      name: "agg",
      retentionHours: 24,
    });
    await lake.append("posts", [{ t: T, n: 1 }, { t: T + H, n: 2 }], (x) => x.t, 1);
    await lake.append("alerts", [{ t: T, a: 1 }], (x) => x.t, 1);
    // Batch 2 is uploaded, then the process dies before its checkpoint commits.
    await lake.append("posts", [{ t: T, n: 3 }, { t: T + 2 * H, n: 4 }], (x) => x.t, 2);
    const again = new S3Lake(client, {
      bucket: b,
      prefix: "lake/",
      name: "agg",
      retentionHours: 24,
    });
    await again.recover({}, 1);
    await again.append("posts", [{ t: T, n: 3 }], (x) => x.t, 2); // the replay, batched otherwise
    assert.deepEqual(await keys(client, b), [
      "lake/alerts/date=2026-11-24/hour=10/alerts-agg-000000000001.ndjson.gz",
      "lake/posts/date=2026-11-24/hour=10/posts-agg-000000000001.ndjson.gz",
      "lake/posts/date=2026-11-24/hour=10/posts-agg-000000000002.ndjson.gz",
      "lake/posts/date=2026-11-24/hour=11/posts-agg-000000000001.ndjson.gz",
    ]);
    const hour10 = "lake/posts/date=2026-11-24/hour=10/posts-agg-00000000000";
    assert.deepEqual(await lines(client, b, hour10 + "1.ndjson.gz"), [{ t: T, n: 1 }]);
    assert.deepEqual(await lines(client, b, hour10 + "2.ndjson.gz"), [{ t: T, n: 3 }]);
  } finally {
    await dropBucket(client, b);
  }
});

Deno.test("S3 lake: recovery leaves other writers' objects alone", async () => {
  const { client, bucket: b } = await testBucket();
  try {
    const mine = new S3Lake(client, { bucket: b, prefix: "", name: "a", retentionHours: 24 });
    const theirs = new S3Lake(client, { bucket: b, prefix: "", name: "b", retentionHours: 24 });
    await theirs.append("windows", [{ t: T }], (x) => x.t, 5);
    await mine.append("windows", [{ t: T }], (x) => x.t, 5);
    await mine.recover({}, 0);
    assert.deepEqual(await keys(client, b), [
      "windows/date=2026-11-24/hour=10/windows-b-000000000005.ndjson.gz",
    ]);
  } finally {
    await dropBucket(client, b);
  }
});

Deno.test("S3 lake: retention deletes hour partitions older than the window, every kind", async () => {
  const { client, bucket: b } = await testBucket();
  try {
    const lake = new S3Lake(client, { bucket: b, prefix: "", name: "agg", retentionHours: 2 });
    for (let h = 0; h < 16; h++) {
      await lake.append("posts", [{ t: T + h * H }], (x) => x.t, h + 1);
      await lake.append("windows", [{ t: T + h * H }], (x) => x.t, h + 1);
    }
    const removed = await lake.prune(T + 15 * H); // 2026-11-25 01:30: keeps hours 23 to 01
    assert.equal(removed.length, 26);
    assert.ok(removed.includes("posts/date=2026-11-24/hour=22"));
    assert.deepEqual(await lake.prune(T + 15 * H), [], "the same cutoff does not list again");
    const left = await keys(client, b);
    assert.deepEqual(
      left.map((k) => k.split("/").slice(0, 3).join("/")),
      [
        "posts/date=2026-11-24/hour=23",
        "posts/date=2026-11-25/hour=00",
        "posts/date=2026-11-25/hour=01",
        "windows/date=2026-11-24/hour=23",
        "windows/date=2026-11-25/hour=00",
        "windows/date=2026-11-25/hour=01",
      ],
    );
  } finally {
    await dropBucket(client, b);
  }
});
