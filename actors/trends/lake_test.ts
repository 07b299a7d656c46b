import assert from "node:assert/strict";
import { DataLake } from "./lake.ts";

const H = 3_600_000;
const T = Date.UTC(2026, 10, 24, 10, 30);

Deno.test("lines go to date=/hour= partitions; recovery cuts files back to the checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lake = new DataLake(dir, "agg", 24);
    await lake.append("posts", [{ t: T, n: 1 }, { t: T + H, n: 2 }], (x) => x.t);
    const checkpoint = { ...lake.sizes };
    await lake.append("posts", [{ t: T, n: 3 }], (x) => x.t); // after the checkpoint: a crash
    await lake.append("windows", [{ t: T + 2 * H }], (x) => x.t); // a file born after it
    const again = new DataLake(dir, "agg", 24);
    await again.recover(checkpoint);
    await again.append("posts", [{ t: T, n: 3 }], (x) => x.t); // the replay
    const file = await Deno.readTextFile(`${dir}/date=2026-11-24/hour=10/posts-agg.ndjson`);
    assert.deepEqual(file.trim().split("\n").map((l) => JSON.parse(l).n), [1, 3]);
    await assert.rejects(Deno.stat(`${dir}/date=2026-11-24/hour=12/windows-agg.ndjson`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention deletes hour partitions older than the window", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lake = new DataLake(dir, "agg", 2);
    for (let h = 0; h < 5; h++) await lake.append("posts", [{ t: T + h * H }], (x) => x.t);
    const removed = await lake.prune(T + 4 * H);
    assert.deepEqual(removed.sort(), ["date=2026-11-24/hour=10", "date=2026-11-24/hour=11"]);
    assert.equal(Object.keys(lake.sizes).length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recovery forgets files retention deleted after the checkpoint, so a replay never pads with NUL bytes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lake = new DataLake(dir, "agg", 2);
    await lake.append("posts", [{ t: T, n: 1 }, { t: T + 4 * H, n: 2 }], (x) => x.t);
    const checkpoint = { ...lake.sizes };
    await lake.prune(T + 4 * H); // deletes hour 10, then the process dies before the checkpoint
    const again = new DataLake(dir, "agg", 2);
    await again.recover(checkpoint);
    assert.deepEqual(Object.keys(again.sizes), ["date=2026-11-24/hour=14/posts-agg.ndjson"]);
    await again.append("posts", [{ t: T, n: 3 }], (x) => x.t); // a late post for hour 10
    const third = new DataLake(dir, "agg", 2);
    await third.recover(again.sizes); // the next crash
    const file = await Deno.readTextFile(`${dir}/date=2026-11-24/hour=10/posts-agg.ndjson`);
    assert.ok(!file.includes("\0"), "no NUL padding");
    assert.deepEqual(file.trim().split("\n").map((l) => JSON.parse(l).n), [3]);
    assert.equal(third.sizes["date=2026-11-24/hour=10/posts-agg.ndjson"], file.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
