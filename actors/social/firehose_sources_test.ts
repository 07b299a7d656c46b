import assert from "node:assert/strict";
import { BURST_BLOCK_ROUNDS, ReplaySource } from "./firehose_sources.ts";

const SAMPLE = new URL("../../samples/jetstream_sample.ndjson", import.meta.url).pathname;

interface Ev {
  did?: string;
  time_us?: number;
  commit?: { rkey?: string; record?: { createdAt?: string } };
}

async function take(src: ReplaySource, n: number): Promise<Ev[]> {
  const out: Ev[] = [];
  const ac = new AbortController();
  for await (const line of src.open(null, ac.signal)) {
    try {
      out.push(JSON.parse(line));
    } catch {
      continue; // the sample holds malformed lines on purpose
    }
    if (out.length >= n) break;
  }
  ac.abort();
  return out;
}

Deno.test("a looping replay stamps events with the clock and increasing microseconds", async () => {
  let clock = 1_800_000_000_000;
  const src = new ReplaySource(SAMPLE, { rate: 0, loop: true, now: () => clock++ });
  const events = (await take(src, 700)).filter((e) => typeof e.time_us === "number");
  for (let i = 1; i < events.length; i++) assert.ok(events[i].time_us! > events[i - 1].time_us!);
  assert.ok(Math.abs(events[0].time_us! / 1000 - 1_800_000_000_000) < 2_000);
  const post = events.find((e) => e.commit?.record?.createdAt)!;
  assert.equal(Date.parse(post.commit!.record!.createdAt!), Math.floor(post.time_us! / 1000));
});

Deno.test("two runs of a looping replay never repeat a post's rkey", async () => {
  const keys = async (start: number) => {
    let clock = start;
    const src = new ReplaySource(SAMPLE, { rate: 0, loop: true, now: () => clock++ });
    return new Set(
      (await take(src, 1_300)).map((e) => `${e.did}/${e.commit?.rkey}`).filter((k) =>
        !k.endsWith("undefined")
      ),
    );
  };
  const a = await keys(1_800_000_000_000);
  const b = await keys(1_800_000_100_000);
  assert.ok(a.size > 1_000, "two rounds give distinct keys");
  for (const k of b) assert.ok(!a.has(k), `run 2 repeats ${k}`);
});

Deno.test("a looping replay plays no burst in its first block, then the first burst group", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/s.ndjson`;
  const line = (rkey: string, burst?: number) =>
    JSON.stringify({
      did: "did:plc:a",
      time_us: 1,
      kind: "commit",
      ...(burst === undefined ? {} : { burst }),
      commit: { operation: "create", rkey, record: { text: rkey, createdAt: "x" } },
    });
  await Deno.writeTextFile(file, [line("plain"), line("eclipse", 0), line("aurora", 1)].join("\n"));
  try {
    const src = new ReplaySource(file, { rate: 0, loop: true, now: () => 1_800_000_000_000 });
    const rkeys = (await take(src, BURST_BLOCK_ROUNDS + 2)).map((e) =>
      e.commit!.rkey!.replace(/r.*$/, "")
    );
    // Block 0: only the plain line each round; block 1: the plain line and group 0.
    assert.deepEqual(rkeys, [...Array(BURST_BLOCK_ROUNDS).fill("plain"), "plain", "eclipse"]);
    assert.ok((await take(src, 1)).every((e) => !("burst" in e)), "the mark is not replayed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
