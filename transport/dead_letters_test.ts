import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Fields, Logger } from "../lib/log.ts";
import { TopicDeadLetters } from "./dead_letters.ts";
import { MemoryTransport } from "./memory.ts";
import { DLQ_HEADERS } from "./types.ts";
import type { DeadLetter, InMessage } from "./types.ts";

/** A logger that keeps its lines, to count warnings. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; f: Fields }> } {
  const lines: Array<{ level: string; msg: string; f: Fields }> = [];
  const at = (level: string) => (msg: string, f: Fields = {}) => lines.push({ level, msg, f });
  const log = {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => log,
  };
  return log;
}

function letter(offset: number, value: Uint8Array, extra: Partial<InMessage> = {}): DeadLetter {
  const message: InMessage = {
    topic: "in",
    partition: 0,
    offset: String(offset),
    key: null,
    value,
    headers: {},
    timestamp: "0",
    ...extra,
  };
  return { env: { message, ack() {}, nack() {} }, reason: `malformed JSON at position ${offset}` };
}

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("keys, values and headers that are not UTF-8 reach the DLQ byte for byte", async () => {
  const t = new MemoryTransport();
  const dlq = new TopicDeadLetters(await t.producer(), recordingLogger());
  const key = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80]);
  const value = new Uint8Array([0x80, 0x81, 0x7b, 0x00, 0xf0, 0x9f]);
  const header = new Uint8Array([0xc0, 0xaf]);
  await dlq.send([letter(7, value, {
    key,
    headers: { trace: "\ufffd\ufffd", plain: "p" },
    rawHeaders: { trace: header },
  })]);
  const [m] = t.broker.topic("in.dlq").partitions[0];
  assert.deepEqual(m.key, key);
  assert.deepEqual(m.value, value);
  assert.deepEqual(m.rawHeaders?.trace, header, "the original header's bytes");
  assert.equal(m.headers.plain, "p");
  assert.equal(m.headers[DLQ_HEADERS.sourceOffset], "7");
  assert.match(m.headers[DLQ_HEADERS.reason], /malformed JSON/);
});

Deno.test("a record too large for the DLQ goes as a bounded copy with its size and hash", async () => {
  const t = new MemoryTransport();
  t.broker.maxMessageBytes = 1_048_588;
  const dlq = new TopicDeadLetters(await t.producer(), recordingLogger(), {
    maxValueBytes: 65_536,
  });
  const huge = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
  const small = Array.from({ length: 2_000 }, (_, i) => letter(i + 1, bytes(`{bad ${i}`)));
  await dlq.send([letter(0, huge, { headers: { origin: "fuzzer" } }), ...small]);
  const log = t.broker.topic("in.dlq").partitions[0];
  assert.equal(log.length, 2_001, "every bad record is dead-lettered");
  const copy = log.find((m) => m.headers[DLQ_HEADERS.sourceOffset] === "0")!;
  assert.equal(copy.value!.byteLength, 65_536);
  assert.deepEqual(copy.value, huge.subarray(0, 65_536));
  assert.equal(copy.headers[DLQ_HEADERS.originalSize], String(huge.byteLength));
  assert.equal(
    copy.headers[DLQ_HEADERS.sha256],
    createHash("sha256").update(huge).digest("hex"),
  );
  assert.equal(copy.headers[DLQ_HEADERS.truncatedTo], "65536");
  assert.equal(copy.headers.origin, "fuzzer", "original headers are kept");
  assert.match(copy.headers[DLQ_HEADERS.reason], /malformed JSON.*too large.*2097152 bytes/);
  const offsets = log.filter((m) => m !== copy).map((m) => m.headers[DLQ_HEADERS.sourceOffset]);
  assert.deepEqual(offsets, small.map((s) => s.env.message.offset), "the small ones in order");
});

Deno.test("a burst of bad messages is sent in bounded requests with a few warnings", async () => {
  const t = new MemoryTransport();
  t.broker.maxMessageBytes = 100_000;
  const log = recordingLogger();
  const dlq = new TopicDeadLetters(await t.producer(), log, { warnBurst: 5 });
  const value = bytes(`{"id": "x", "text": ${"y".repeat(200)}`);
  await dlq.send(Array.from({ length: 10_000 }, (_, i) => letter(i, value)));
  assert.equal(t.broker.topic("in.dlq").partitions[0].length, 10_000);
  assert.ok(t.broker.appends >= 20, `${t.broker.appends} requests, each under 100 kB`);
  const warnings = log.lines.filter((l) => l.level === "warn");
  assert.equal(warnings.length, 6, "5 lines, then one saying the rest are suppressed");
  assert.match(warnings[5].msg, /suppressed/);
});
