/**
 * kafkajs 2.2.4 writes every varint (each record's length, offset and timestamp deltas, key and
 * value lengths, and each header's) by building an array, copying it into a new Buffer and that
 * into the request (`Buffer.from(byteArray)`), and every varlong through `Long` objects. For a
 * produce of small records that was a fifth of the ingest role's CPU (its profile, 2026-11-30).
 * `fastVarints()` replaces the two writers on kafkajs's own `Encoder` class with ones that write
 * the same bytes in place; a property test holds them equal to the originals, byte for byte.
 * kafkajs is pinned in the lock file: a new version gets this file re-read, not assumed.
 */
import Encoder from "kafkajs/src/protocol/encoder.js";

/** What these writers use of kafkajs's `Encoder`. */
interface Encoding {
  buf: Uint8Array;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): Encoding;
  writeVarLong(value: unknown): Encoding;
}

const proto = Encoder.prototype as Encoding;

/** kafkajs's own writers, kept for values outside the fast path and for the equality test. */
export const original = { writeUVarInt: proto.writeUVarInt, writeVarLong: proto.writeVarLong };

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

function writeVarLong(this: Encoding, value: unknown): Encoding {
  if (typeof value === "number" && Number.isInteger(value) && value > -SMALL && value < SMALL) {
    return writeUVarInt.call(this, ((value << 1) ^ (value >> 31)) >>> 0);
  }
  return original.writeVarLong.call(this, value);
}

let installed = false;

/** Installs the in-place writers once per process (every Kafka client shares the class). */
export function fastVarints(): void {
  if (installed) return;
  installed = true;
  proto.writeUVarInt = writeUVarInt;
  proto.writeVarLong = writeVarLong;
}
