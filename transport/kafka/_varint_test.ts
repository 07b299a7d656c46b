import assert from "node:assert/strict";
import fc from "fast-check";
import Decoder from "kafkajs/src/protocol/decoder.js";
import Encoder from "kafkajs/src/protocol/encoder.js";
import Long from "kafkajs/src/utils/long.js";
import RecordV0 from "kafkajs/src/protocol/recordBatch/record/v0/index.js";
import { fastDecoding, fastVarints, original, originalReaders } from "./_varint.ts";

fastVarints();

/** The bytes `write` puts in a fresh encoder after a few bytes already there. */
function bytes<T>(write: (e: Encoder, v: T) => void, v: T): number[] {
  const e = new Encoder(1).writeInt8(7).writeInt8(9);
  write(e, v);
  return [...e.buffer];
}

const int = fc.oneof(
  fc.integer(),
  fc.integer({ min: -200, max: 200 }),
  fc.constantFrom(
    0,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    2 ** 30 - 1,
    -(2 ** 30),
    2 ** 31 - 1,
    -(2 ** 31),
  ),
);

Deno.test("varint writers give kafkajs's own bytes", () => {
  fc.assert(
    fc.property(int, (v) => {
      const zig = (v << 1) ^ (v >> 31);
      assert.deepEqual(
        bytes((e, x) => e.writeUVarInt(x), zig),
        bytes((e, x) => original.writeUVarInt.call(e, x), zig),
      );
      assert.deepEqual(
        bytes((e, x) => e.writeVarInt(x), v),
        bytes((e, x) => original.writeUVarInt.call(e, Encoder.encodeZigZag(x)), v),
      );
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("varlong writer gives kafkajs's own bytes, for numbers and Longs", () => {
  const value = fc.oneof(
    int,
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => Long.fromString(String(b))),
  );
  fc.assert(
    fc.property(value, (v) => {
      assert.deepEqual(
        bytes((e, x) => e.writeVarLong(x), v),
        bytes((e, x) => original.writeVarLong.call(e, x), v),
      );
      assert.equal(Encoder.sizeOfVarLong(v), original.sizeOfVarLong.call(Encoder, v));
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("a record encodes as kafkajs alone encodes it", () => {
  const record = {
    offsetDelta: 3,
    timestampDelta: 1_250,
    key: "AAPL",
    value: JSON.stringify({ text: "é".repeat(700) }),
    headers: { "x-request-id": "r-1", other: ["a", "b"] },
  };
  const fast = [...RecordV0(record).buffer];
  const saved = {
    u: Encoder.prototype.writeUVarInt,
    l: Encoder.prototype.writeVarLong,
    size: Encoder.sizeOfVarLong,
  };
  Encoder.prototype.writeUVarInt = original.writeUVarInt;
  Encoder.prototype.writeVarLong = original.writeVarLong;
  Encoder.sizeOfVarLong = original.sizeOfVarLong;
  try {
    assert.deepEqual(fast, [...RecordV0(record).buffer]);
  } finally {
    Encoder.prototype.writeUVarInt = saved.u;
    Encoder.prototype.writeVarLong = saved.l;
    Encoder.sizeOfVarLong = saved.size;
  }
});

Deno.test("varlong reader reads what kafkajs's own reads, and stops at the same byte", () => {
  fastDecoding();
  const value = fc.oneof(
    int.map((v) => BigInt(v)),
    fc.bigInt({ min: -(2n ** 27n), max: 2n ** 27n }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  );
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 255 }), (v, next) => {
      const e = new Encoder().writeInt8(5);
      original.writeVarLong.call(e, Long.fromString(String(v)));
      e.writeInt8(next - 128);
      const fast = new Decoder(e.buffer);
      const own = new Decoder(e.buffer);
      fast.readInt8();
      own.readInt8();
      const a = fast.readVarLong() as Long;
      const b = originalReaders.readVarLong.call(own) as Long;
      assert.equal(a.toString(), b.toString());
      assert.equal(a.toString(), String(v));
      assert.equal(fast.readInt8(), own.readInt8());
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("Long.fromValue with its memo gives the Long kafkajs gives, whatever the order", () => {
  fastDecoding();
  const text = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
  const value = fc.oneof(text, fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
  fc.assert(
    fc.property(fc.array(value, { maxLength: 12 }), (values) => {
      for (const v of [...values, ...values.toReversed()]) {
        const a = Long.fromValue(v);
        const b = originalReaders.fromValue.call(Long, v) as Long;
        assert.equal(a.toString(), b.toString());
        assert.equal(a.add(Long.fromInt(3)).toString(), b.add(Long.fromInt(3)).toString());
      }
    }),
    { numRuns: 2_000 },
  );
});
