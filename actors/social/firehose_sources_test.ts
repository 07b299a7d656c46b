import assert from "node:assert/strict";
import { ReplaySource } from "./firehose_sources.ts";

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
