/**
 * kafkajs 2.2.4 writes every varint (each record's length, offset and timestamp deltas, key and
 * value lengths, and each header's) by building an array, copying it into a new Buffer and that
 * into the request (`Buffer.from(byteArray)`), and every varlong through `Long` objects. For a
 * produce of small records that was a fifth of the ingest role's CPU (its profile, 2026-11-30).
 * `fastVarints()` replaces the two writers on kafkajs's own `Encoder` class with ones that write
 * the same bytes in place; a property test holds them equal to the originals, byte for byte.
 *
 * `Encoder.sizeOfVarLong`, which sizes each record's timestamp delta before it is written, went
 * through the same `Long` objects; it is replaced too, and held equal by the same test.
 *
 * Reading, each record of a fetched batch cost kafkajs a varlong read through `Long` objects (about
 * ten BigInt operations for a one-byte timestamp delta) and two conversions of the batch's first
 * offset and first timestamp from their decimal strings. `fastDecoding()` reads a varlong of up to
 * four bytes with numbers and lets `Long.fromValue` remember its last two strings: a batch of
 * 1,000 records of about 94 bytes decodes in 0.20–0.21 µs a record instead of 0.41–0.43 (the text
 * writer spends about 4 µs a message in all). Property tests hold them equal to the originals.
 *
 * kafkajs is pinned in the lock file: a new version gets this file re-read, not assumed.
 */
import Decoder from "kafkajs/src/protocol/decoder.js";
import Encoder from "kafkajs/src/protocol/encoder.js";
import Long from "kafkajs/src/utils/long.js";

/** What these writers use of kafkajs's `Encoder` class. */
interface EncoderClass {
  sizeOfVarLong(value: unknown): number;
}

/** What these writers use of kafkajs's `Encoder`. */
interface Encoding {
  buf: Uint8Array;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): Encoding;
  writeVarLong(value: unknown): Encoding;
}

const proto = Encoder.prototype as Encoding;

const EncoderType = Encoder as unknown as EncoderClass;

/** kafkajs's own writers, kept for values outside the fast path and for the equality test. */
export const original = {
  writeUVarInt: proto.writeUVarInt,
  writeVarLong: proto.writeVarLong,
  sizeOfVarLong: EncoderType.sizeOfVarLong,
};

/** LEB128 of `value` as a 32-bit integer, as kafkajs's `writeUVarInt` (at most 5 bytes). */
function writeUVarInt(this: Encoding, value: number): Encoding {
  this.ensureAvailable(5);
  const buf = this.buf;
  let at = this.offset;
  while ((value & 0xffffff80) !== 0) {
    buf[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[at++] = value & 0x7f;
  this.offset = at;
  return this;
}

/** Below 2^30 in magnitude, 64-bit zigzag equals 32-bit zigzag: no `Long` needed. */
const SMALL = 2 ** 30;

/** The zigzag of `value` when it is an integer small enough for 32 bits, else null. */
function smallZigZag(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value) && value > -SMALL && value < SMALL) {
    return ((value << 1) ^ (value >> 31)) >>> 0;
  }
  return null;
}

function writeVarLong(this: Encoding, value: unknown): Encoding {
  const zig = smallZigZag(value);
  if (zig !== null) return writeUVarInt.call(this, zig);
  return original.writeVarLong.call(this, value);
}

/** The bytes `writeVarLong` takes: each record's size is computed first, its timestamp delta too. */
function sizeOfVarLong(this: EncoderClass, value: unknown): number {
  let zig = smallZigZag(value);
  if (zig !== null) {
    let bytes = 1;
    while ((zig & 0xffffff80) !== 0) {
      bytes++;
      zig >>>= 7;
    }
    return bytes;
  }
  return original.sizeOfVarLong.call(this, value);
}

let installed = false;

/** Installs the in-place writers once per process (every Kafka client shares the class). */
export function fastVarints(): void {
  if (installed) return;
  installed = true;
  proto.writeUVarInt = writeUVarInt;
  proto.writeVarLong = writeVarLong;
  EncoderType.sizeOfVarLong = sizeOfVarLong;
}

interface Decoding {
  buffer: Uint8Array;
  offset: number;
  readVarLong(): unknown;
}

interface LongClass {
  fromNumber(value: number): unknown;
  fromValue(value: unknown): unknown;
}

const decoderProto = (Decoder as unknown as { prototype: Decoding }).prototype;
const LongType = Long as unknown as LongClass;

/** kafkajs's own readers, kept for values outside the fast path and for the equality test. */
export const originalReaders = {
  readVarLong: decoderProto.readVarLong,
  fromValue: LongType.fromValue,
};

/** A varlong of at most 4 bytes (below 2^27 in magnitude) read with numbers, as kafkajs's. */
function readVarLong(this: Decoding): unknown {
  const buf = this.buffer;
  let at = this.offset;
  let b = buf[at++];
  let v = b & 0x7f;
  if (b & 0x80) {
    b = buf[at++];
    v |= (b & 0x7f) << 7;
    if (b & 0x80) {
      b = buf[at++];
      v |= (b & 0x7f) << 14;
      if (b & 0x80) {
        b = buf[at++];
        v |= (b & 0x7f) << 21;
        if (b & 0x80) return originalReaders.readVarLong.call(this);
      }
    }
  }
  this.offset = at;
  return LongType.fromNumber((v >>> 1) ^ -(v & 1));
}

/** The last two strings converted, and their Longs. */
const memo: Array<{ text: string; long: unknown }> = [];

/**
 * `Long.fromValue` remembering its last two strings: each record of a batch converts the batch's
 * first timestamp and first offset, the same two strings for every record. kafkajs's Long is
 * immutable (its operations return new ones), so handing the same one out again is safe.
 */
function fromValue(this: LongClass, value: unknown): unknown {
  if (typeof value !== "string") return originalReaders.fromValue.call(this, value);
  for (const m of memo) if (m.text === value) return m.long;
  const long = originalReaders.fromValue.call(this, value);
  if (memo.length === 2) memo.shift();
  memo.push({ text: value, long });
  return long;
}

let decodingInstalled = false;

/** Installs the number-based varlong reader and the memo once per process. */
export function fastDecoding(): void {
  if (decodingInstalled) return;
  decodingInstalled = true;
  decoderProto.readVarLong = readVarLong;
  LongType.fromValue = fromValue;
}
