/**
 * The near-duplicate index against the real Redis: both rules, across calls and in one batch; the
 * bulk write (the bench's fill) stores what the worker's path stores.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { NearDupIndex } from "../actors/finance/mod.ts";
import { fill } from "../bench/near_dup.ts";
import { headline } from "../bench/_headlines.ts";
import { REDIS_URL, uniqueName } from "./helpers/mod.ts";

Deno.test("a reworded headline is found through Redis, across calls and within one batch", async () => {
  const ix = new NearDupIndex({ url: REDIS_URL, prefix: uniqueName("test-nd") });
  try {
    await ix.checkAndAdd([{ id: "a", text: "Apple shares fell 3% after weak iPhone sales" }]);
    const v = await ix.checkAndAdd([
      { id: "b", text: "Apple stock drops 3% as iPhone sales disappoint" },
      { id: "c", text: "Apple shares fell 4% after weak iPhone sales" },
      { id: "d", text: "Apple shares fell 3% after weak iPhone sales https://t.co/x" },
      { id: "e", text: "Wow. RT @x: Apple shares fall 4% after weak iPhone sales" },
    ]);
    assert.deepEqual(v.map((x) => [x.duplicateOf, x.rule]), [
      ["a", "reworded"],
      [null, undefined],
      ["a", "shingles"],
      ["c", "reworded"],
    ]);
    assert.equal(v[2].similarity, 1);
    // Only originals enter the index: b and d are not candidates for later texts.
    const [again] = await ix.find([{
      id: "f",
      text: "Apple stock drops 3% as iPhone sales disappoint",
    }]);
    assert.equal(again.duplicateOf, "a");
  } finally {
    await ix.clear();
    await ix.close();
  }
});

Deno.test("with the reworded rule off, only the shingles rule applies", async () => {
  const ix = new NearDupIndex({ url: REDIS_URL, prefix: uniqueName("test-nd"), reworded: false });
  try {
    await ix.checkAndAdd([{ id: "a", text: "Apple shares fell 3% after weak iPhone sales" }]);
    const [v] = await ix.find([{
      id: "b",
      text: "Apple stock drops 3% as iPhone sales disappoint",
    }]);
    assert.equal(v.duplicateOf, null);
  } finally {
    await ix.clear();
    await ix.close();
  }
});

Deno.test("a batch larger than one script call can unpack is checked in one lookup", async () => {
  // The test is about the script's bound, not its speed on a loaded machine.
  const ix = new NearDupIndex({
    url: REDIS_URL,
    prefix: uniqueName("test-nd"),
    commandTimeoutMs: 30_000,
  });
  try {
    // 3 bands each: 9,000 band keys, over Lua's unpack bound.
    const items = Array.from({ length: 3_000 }, (_, i) => ({
      id: `e${i}`,
      text: i % 2
        ? `Acme ${i - 1} shares fall ${i - 1}% https://t.co/${i}`
        : `Acme ${i} shares fall ${i}%`,
    }));
    const v = await ix.checkAndAdd(items);
    assert.equal(v.filter((x) => x.duplicateOf !== null).length, 1_500);
    const again = await ix.find(items.slice(0, 2));
    assert.deepEqual(again.map((x) => x.duplicateOf), [null, "e0"]);
  } finally {
    await ix.clear();
    await ix.close();
  }
});

/** Each key the layout names for `texts` (without the prefix) with its value; each must expire. */
async function stored(redis: Redis, ix: NearDupIndex, texts: string[]) {
  const out = new Map<string, unknown>();
  for (const [i, text] of texts.entries()) {
    const p = ix.probe(text);
    for (const key of [`${ix.prefix}:s:e${i}`, ...p.bands, p.list!]) {
      assert.ok((await redis.ttl(key)) > 0, `${key} exists and expires`);
      const value = (await redis.type(key)) === "list"
        ? await redis.lrange(key, 0, -1)
        : (await redis.getBuffer(key))?.toString("hex");
      out.set(key.slice(ix.prefix.length), value);
    }
  }
  return out;
}

Deno.test("the bulk write stores exactly what the worker's check stores for an original", async () => {
  const bulk = new NearDupIndex({ url: REDIS_URL, prefix: uniqueName("test-nd") });
  const real = new NearDupIndex({ url: REDIS_URL, prefix: uniqueName("test-nd") });
  const redis = new Redis(REDIS_URL);
  try {
    const texts = ["Apple shares fell 3% after weak iPhone sales", "$BTC rallies past $60,000"];
    await bulk.addOriginals(texts.map((t, i) => ({ id: `e${i}`, probe: bulk.probe(t) })));
    await real.checkAndAdd(texts.map((text, i) => ({ id: `e${i}`, text })));
    const bulkLayout = await stored(redis, bulk, texts);
    assert.equal(bulkLayout.size, texts.length * (1 + bulk.banding.bands + 1));
    assert.deepEqual(bulkLayout, await stored(redis, real, texts));
  } finally {
    await Promise.all([bulk.clear(), real.clear()]);
    await Promise.all([bulk.close(), real.close()]);
    redis.disconnect();
  }
});

Deno.test("signatures stored by the bench's parallel fill are found by the worker's lookup", async () => {
  const prefix = uniqueName("test-nd");
  const ix = new NearDupIndex({ url: REDIS_URL, prefix });
  try {
    await fill(prefix, 600, 3_000);
    const v = await ix.checkAndAdd([
      { id: "q1", text: `${headline(7)} https://t.co/x` },
      { id: "q2", text: headline(2_999) },
      { id: "q3", text: headline(3_000) },
    ]);
    assert.deepEqual(v.map((x) => x.duplicateOf), ["e7", "e2999", null]);
  } finally {
    await ix.clear();
    await ix.close();
  }
});
