/**
 * The near-duplicate index's Redis layout, written and read in one place so the real path and the
 * bench's bulk fill cannot drift apart:
 *
 * - `<prefix>:b:<band>:<hash>`: the id of the first original that had that band (`SET NX`);
 * - `<prefix>:r:<hash>`: a list of the latest originals stating one set of key terms;
 * - `<prefix>:s:<id>`: an original's signature (perms × 4 bytes) followed by its gist.
 *
 * Every key expires after the index's TTL. Both scripts read or write keys they derive from their
 * arguments, so the index needs a single Redis, not a cluster.
 */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import { decodeGist, encodeGist } from "./_reword.ts";
import type { Gist } from "./_reword.ts";

/** What the index keeps of a text: its signature, band keys, gist and reworded list. */
export interface Probe {
  sig: Uint32Array;
  bands: string[];
  gist: Gist;
  list: string | null;
}

/** What a lookup read of an original: its signature, its gist, or both. */
export interface Stored {
  sig?: Uint32Array;
  gist?: Gist | null;
}

/**
 * KEYS: band keys, then reworded lists; ARGV: the signature key prefix, the number of band keys,
 * the list length read, the signature's length in bytes. Returns `[owners, lists, sigs, gists]`:
 * the owner of each band key (or nil), the ids in each list, `[id, signature]...` for each
 * distinct band owner and `[id, gist]...` for each distinct listed id ('' when gone). A band owner
 * is only compared by signature and a listed id only by gist, so each sends just that part
 * (GETRANGE): a full entry for each of 16 listed ids was 10 KB a lookup, most of the script's
 * time and of the client's decoding (measured 2026-11-30).
 */
const LOOKUP_SCRIPT = `
local bands, sigLen = tonumber(ARGV[2]), tonumber(ARGV[4])
local owners = {}
-- MGET in slices: unpack() is bounded by Lua's stack (about 8,000 values).
for from = 1, bands, 1000 do
  local part = redis.call('MGET', unpack(KEYS, from, math.min(from + 999, bands)))
  for _, o in ipairs(part) do owners[#owners + 1] = o end
end
local lists, sigs, gists, sigSeen, gistSeen = {}, {}, {}, {}, {}
for _, o in ipairs(owners) do
  if o and not sigSeen[o] then
    sigSeen[o] = true
    sigs[#sigs + 1] = o
    sigs[#sigs + 1] = redis.call('GETRANGE', ARGV[1] .. o, 0, sigLen - 1)
  end
end
for i = bands + 1, #KEYS do
  local ids = redis.call('LRANGE', KEYS[i], 0, tonumber(ARGV[3]) - 1)
  lists[#lists + 1] = ids
  for _, id in ipairs(ids) do
    if not gistSeen[id] then
      gistSeen[id] = true
      gists[#gists + 1] = id
      gists[#gists + 1] = redis.call('GETRANGE', ARGV[1] .. id, sigLen, -1)
    end
  end
end
return { owners, lists, sigs, gists }`;

/**
 * ARGV: the signature key prefix, the TTL in seconds, the list length kept, the bands per
 * original, then per original its id, entry, band keys and list key ('' for none). One command
 * per batch: a pipeline of 7 commands per original cost about 15 µs of client CPU per command
 * and 4 × that in wall time through ioredis (measured 2026-11-30), the script about 1 µs each.
 */
const ADD_SCRIPT = `
local prefix, ttl, keep, nb = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local added = 0
for i = 5, #ARGV, nb + 3 do
  local id = ARGV[i]
  redis.call('SET', prefix .. id, ARGV[i + 1], 'EX', ttl)
  for j = i + 2, i + 1 + nb do redis.call('SET', ARGV[j], id, 'EX', ttl, 'NX') end
  local list = ARGV[i + 2 + nb]
  if list ~= '' then
    redis.call('LPUSH', list, id)
    redis.call('LTRIM', list, 0, keep - 1)
    redis.call('EXPIRE', list, ttl)
  end
  added = added + 1
end
return added`;

type LookupReply = [Array<Buffer | null>, Buffer[][], Buffer[], Buffer[]];

/** The scripts as ioredis defines them (EVALSHA, EVAL once after a flush or on a new server). */
export type IndexRedis = Redis & {
  nearDupLookupBuffer(keys: number, ...args: string[]): Promise<LookupReply>;
  nearDupAdd(keys: number, ...args: Array<string | Buffer>): Promise<number>;
};

export function defineScripts(redis: Redis): IndexRedis {
  redis.defineCommand("nearDupLookup", { lua: LOOKUP_SCRIPT });
  redis.defineCommand("nearDupAdd", { lua: ADD_SCRIPT });
  return redis as IndexRedis;
}

export interface Layout {
  prefix: string;
  perms: number;
  ttlS: number;
  /** List length kept and read. */
  listLength: number;
}

/** What the lookup found: band owners, list members, and the candidates' entries by id. */
export interface Found {
  owners: Array<string | null>;
  listed: string[][];
  stored: Map<string, Stored>;
}

/** One round trip: the band owners and lists of `probes`, and every candidate's entry. */
export async function lookup(redis: IndexRedis, l: Layout, probes: Probe[]): Promise<Found> {
  const bandKeys = probes.flatMap((p) => p.bands);
  const lists = probes.flatMap((p) => (p.list ? [p.list] : []));
  const [rawOwners, rawLists, rawSigs, rawGists] = await redis.nearDupLookupBuffer(
    bandKeys.length + lists.length,
    ...bandKeys,
    ...lists,
    `${l.prefix}:s:`,
    String(bandKeys.length),
    String(l.listLength),
    String(l.perms * 4),
  );
  const stored = new Map<string, Stored>();
  const entry = (id: string) => {
    let e = stored.get(id);
    if (!e) stored.set(id, e = {});
    return e;
  };
  for (let i = 0; i < rawSigs.length; i += 2) {
    const sig = decodeSig(rawSigs[i + 1], l.perms);
    if (sig) entry(rawSigs[i].toString()).sig = sig;
  }
  for (let i = 0; i < rawGists.length; i += 2) {
    const g = rawGists[i + 1];
    if (g.length > 0) entry(rawGists[i].toString()).gist = decodeGist(g.toString());
  }
  return {
    owners: rawOwners.map((b) => (b ? b.toString() : null)),
    listed: rawLists.map((ids) => ids.map((b) => b.toString())),
    stored,
  };
}

/** Records originals, in one command. Every probe must have the same number of bands. */
export async function add(
  redis: IndexRedis,
  l: Layout,
  originals: Array<{ id: string; probe: Probe }>,
): Promise<void> {
  if (originals.length === 0) return;
  const bands = originals[0].probe.bands.length;
  const args: Array<string | Buffer> = [
    `${l.prefix}:s:`,
    String(l.ttlS),
    String(l.listLength),
    String(bands),
  ];
  for (const { id, probe } of originals) {
    if (probe.bands.length !== bands) throw new RangeError("Probes with different band counts");
    args.push(id, encodeEntry(probe), ...probe.bands, probe.list ?? "");
  }
  await redis.nearDupAdd(0, ...args);
}

const encoder = new TextEncoder();

/** The signature's bytes, then the gist. */
export function encodeEntry(p: Probe): Buffer {
  const sig = new Uint8Array(p.sig.buffer, p.sig.byteOffset, p.sig.byteLength);
  const g = encoder.encode(encodeGist(p.gist));
  const out = Buffer.allocUnsafe(sig.length + g.length);
  out.set(sig, 0);
  out.set(g, sig.length);
  return out;
}

/** A stored signature; null when gone or too short to be one. */
export function decodeSig(b: Buffer, perms: number): Uint32Array | null {
  const n = perms * 4;
  if (b.length < n) return null;
  const bytes = new Uint8Array(b.buffer, b.byteOffset, n);
  return new Uint32Array(bytes.slice().buffer);
}
