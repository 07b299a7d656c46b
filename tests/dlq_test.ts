/**
 * Bounded producer paths and dead letters on the real Kafka broker (its default limit of
 * 1 MiB per record batch): records larger than the broker takes, bursts of bad input and
 * classifier output larger than one request are dead-lettered or chunked, offsets reach the end
 * of the partition, and no worker crashes or escalates.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { textWriterRole } from "../actors/text/role.ts";
import { classifierRole } from "../actors/social/role.ts";
import { DLQ_HEADERS, dlqTopic } from "../transport/mod.ts";
import { committedTotal, readTopic, sandbox, until } from "./helpers/mod.ts";
import { drained, produceCompressed, sourceOffsets } from "./helpers/dlq.ts";
import { runInProcess } from "./helpers/in_process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** Bytes as hex, to compare a consumer's Buffers with arrays. */
const hex = (b: Uint8Array | null | undefined) => b ? Buffer.from(b).toString("hex") : null;

/** A text message whose text is over the schema's 1,000,000 characters: invalid, `bytes` long. */
function tooLongMessage(bytes: number): Uint8Array {
  const head = `{"id":"huge-${bytes}","text":"`;
  return encoder.encode(head + "y".repeat(bytes - head.length - 2) + `"}`);
}

Deno.test(
  "a 2 MB record is dead-lettered as a bounded copy with its size and hash; lag reaches 0",
  opts,
  async () => {
    const s = await sandbox();
    const role = await runInProcess(s, (rt) => [textWriterRole(rt)]);
    try {
      const huge = tooLongMessage(2 * 1024 * 1024);
      const good = { key: "k", value: JSON.stringify({ id: "after-huge", text: "fine" }) };
      await produceCompressed(s, s.topic, [{ key: "k", value: huge }, good]);
      await until("both committed", async () => (await committedTotal(s)) === 2, 60_000);
      const [copy] = await readTopic(s, dlqTopic(s.topic), 1);
      assert.equal(copy.headers[DLQ_HEADERS.originalSize], String(huge.byteLength));
      assert.equal(copy.headers[DLQ_HEADERS.sha256], sha256(huge));
      assert.equal(copy.headers[DLQ_HEADERS.truncatedTo], "65536");
      assert.equal(
        hex(copy.value),
        hex(huge.subarray(0, 65_536)),
        "the copy is the value's prefix",
      );
      assert.match(copy.headers[DLQ_HEADERS.reason], /text: must be at most 1,000,000/);
      assert.equal(copy.headers[DLQ_HEADERS.sourceOffset], "0");
      assert.equal(hex(copy.key), hex(encoder.encode("k")));
      const rows = await s.db.query(`SELECT 1 FROM text_messages WHERE id = 'after-huge'`);
      assert.equal(rows.length, 1, "the message after it is stored");
      assert.equal(role.restarts(), 0, "nothing crashed, nothing escalated");
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "one ~1 MB record among 2,000 small bad ones: every one in the DLQ with its reason",
  opts,
  async () => {
    const s = await sandbox();
    // Produced before the writer starts, so they arrive as one batch of one partition.
    const small = Array.from({ length: 2_000 }, (_, i) => ({
      key: `bad-${i}`,
      value: `{"id":"bad-${i}","text":`,
    }));
    const big = tooLongMessage(1_040_000);
    const records = [...small.slice(0, 1_000), { key: "big", value: big }, ...small.slice(1_000)];
    await produceCompressed(s, s.topic, records, 2_001);
    const role = await runInProcess(s, (rt) => [textWriterRole(rt)]);
    try {
      await until("all committed", async () => (await committedTotal(s)) === 2_001, 90_000);
      const dead = await readTopic(s, dlqTopic(s.topic), 2_001);
      assert.equal(dead.length, 2_001);
      assert.deepEqual(sourceOffsets(dead), [...Array(2_001).keys()], "each bad record once");
      const copies = dead.filter((m) => m.headers[DLQ_HEADERS.originalSize]);
      assert.equal(copies.length, 1, "only the large one is a bounded copy");
      assert.equal(copies[0].headers[DLQ_HEADERS.sha256], sha256(big));
      assert.equal(copies[0].headers[DLQ_HEADERS.sourceOffset], "1000");
      for (const m of dead.filter((d) => d !== copies[0])) {
        assert.match(m.headers[DLQ_HEADERS.reason], /^malformed JSON/);
      }
      const byOffset = new Map(dead.map((m) => [m.headers[DLQ_HEADERS.sourceOffset], m]));
      assert.equal(hex(byOffset.get("1500")!.value), hex(encoder.encode(small[1_499].value)));
      assert.equal(hex(byOffset.get("1500")!.key), hex(encoder.encode(small[1_499].key)));
      assert.equal(role.restarts(), 0);
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "a burst of 10,000 malformed messages all reach the DLQ and the partitions' lag is 0",
  opts,
  async () => {
    const s = await sandbox();
    const role = await runInProcess(s, (rt) => [textWriterRole(rt)]);
    try {
      const burst = Array.from({ length: 10_000 }, (_, i) => ({
        key: `m-${i}`,
        value: `{"id":"m-${i}","text":"${"z".repeat(200)}`,
        partition: i % 3,
      }));
      await produceCompressed(s, s.topic, burst, 2_500);
      await until("all committed", async () => (await committedTotal(s)) === 10_000, 120_000);
      const lag = await (await s.kafka.admin()).lag(s.group, s.topic);
      assert.deepEqual(lag.map((p) => p.lag), [0, 0, 0]);
      const dead = await readTopic(s, dlqTopic(s.topic), 10_000);
      assert.equal(dead.length, 10_000);
      assert.equal(new Set(dead.map((m) => new TextDecoder().decode(m.key!))).size, 10_000);
      assert.ok(dead.every((m) => /^malformed JSON/.test(m.headers[DLQ_HEADERS.reason])));
      assert.equal(role.restarts(), 0, "nothing crashed, nothing escalated");
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test("keys and headers that are not UTF-8 reach the DLQ byte for byte", opts, async () => {
  const s = await sandbox();
  const role = await runInProcess(s, (rt) => [textWriterRole(rt)]);
  const p = s.kafka.kafka.producer();
  try {
    const keys = Array.from({ length: 20 }, (_, i) => {
      const k = crypto.getRandomValues(new Uint8Array(16));
      k[0] = 0xff; // never valid UTF-8
      k[1] = i;
      return k;
    });
    const header = new Uint8Array([0xc3, 0x28, 0xa0, 0xa1]);
    await p.connect();
    await p.send({
      topic: s.topic,
      acks: -1,
      messages: keys.map((k, i) => ({
        key: Buffer.from(k),
        value: Buffer.from([0x7b, 0x80 + i]), // not JSON, not UTF-8 either
        headers: { trace: Buffer.from(header) },
      })),
    });
    await until("all committed", async () => (await committedTotal(s)) === 20, 60_000);
    const dead = await readTopic(s, dlqTopic(s.topic), 20);
    assert.deepEqual(dead.map((m) => hex(m.key)).sort(), keys.map(hex).sort());
    for (const m of dead) {
      const i = keys.findIndex((k) => hex(k) === hex(m.key));
      assert.equal(hex(m.value), hex(new Uint8Array([0x7b, 0x80 + i])));
      assert.equal(hex(m.rawHeaders?.trace), hex(header), "the original header's bytes");
    }
  } finally {
    await p.disconnect();
    await role.stop();
    await s.dispose();
  }
});

Deno.test(
  "the classifier classifies 1,000 long posts whose output exceeds one request",
  opts,
  async () => {
    const s = await sandbox();
    const t0 = Date.UTC(2026, 10, 30) * 1000;
    const posts = Array.from({ length: 1_000 }, (_, i) => ({
      key: `did:plc:long${i % 20}`,
      value: JSON.stringify({
        uri: `at://did:plc:long${i % 20}/app.bsky.feed.post/l${i}`,
        did: `did:plc:long${i % 20}`,
        text: `post ${i} ` + "markets rally as investors cheer the news ".repeat(65),
        langs: ["en"],
        created_at: new Date(t0 / 1000 + i).toISOString(),
        time_us: t0 + i,
        hashtags: [],
        mentions: [],
      }),
      partition: i % 3,
    }));
    await produceCompressed(s, s.postsRaw, posts, 1_000);
    const role = await runInProcess(s, (rt) => [classifierRole(rt)]);
    try {
      const group = s.env.CLASSIFIER_GROUP;
      await until("every post committed", () => drained(s, group, s.postsRaw), 120_000);
      const out = await readTopic(s, s.postsClassified, 1_000);
      const uris = new Set(out.map((m) => JSON.parse(new TextDecoder().decode(m.value!)).uri));
      assert.equal(uris.size, 1_000, "every post classified");
      assert.equal(role.restarts(), 0, "nothing crashed, nothing escalated");
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);
