/**
 * The near-duplicate index in Redis. Two rules, checked in one round trip:
 *
 * 1. Shingles: MinHash signatures of word shingles, banded for LSH (the approach of datasketch's
 *    `MinHashLSH` with Redis storage). Per band a key `<prefix>:b:<band>:<hash>` holds the id of
 *    the first event that had that band (SET NX). A text repeats an original whose signature
 *    estimates a Jaccard index of the two texts' shingles at or above `threshold` (0.95).
 * 2. Reworded (`_reword.ts`): per set of key terms (numbers, tickers, names, instruments,
 *    directions) a list `<prefix>:r:<hash>` of the latest `rewordCandidates` originals stating
 *    them; a text repeats one of them when it opens with the same names and their words reach a
 *    Jaccard index of `REWORD_THRESHOLD` (0.5).
 *
 * `<prefix>:s:<id>` holds an original's signature followed by its gist; every key expires after
 * `ttlS`. Only originals enter the index, so `duplicate_of` always names an original; an event
 * finding only its own id (a replay) is an original again.
 *
 * A lookup is one round trip: a server-side script reads the band keys and the lists and, for
 * each distinct candidate, its stored signature and gist (the script reads keys it derives from
 * values, so the index needs a single Redis, not a cluster). Redis calls fail fast (no offline
 * queue, `commandTimeoutMs`): the caller decides what an unreachable index means (the sentiment
 * worker classifies and marks the event "unchecked").
 */
import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import client from "prom-client";
import { registry } from "../../lib/metrics.ts";
import { bandKeys, estimate, minhash, optimalBanding, shingles } from "./_minhash.ts";
import type { Banding } from "./_minhash.ts";
import {
  decodeGist,
  encodeGist,
  gist,
  gistKey,
  keyHash,
  REWORD_THRESHOLD,
  rewordSimilarity,
} from "./_reword.ts";
import type { Gist } from "./_reword.ts";

/** One band over a key hash's 4 words: a short, well-mixed list key. */
const ONE_BAND: Banding = { bands: 1, rows: 4 };

export const nearDupLookupSeconds = new client.Histogram({
  name: "sluice_near_dup_lookup_seconds",
  help: "Time to look up one batch of texts in the near-duplicate index (one Redis round trip)",
  buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
  registers: [registry],
});

/**
 * KEYS: band keys, then reworded lists; ARGV: the signature key prefix, the number of band keys,
 * the list length read. Returns `[owners, lists, [id, stored]...]`: the owner of each band key
 * (or nil), the ids in each list, and what is stored for each distinct candidate (or nil).
 */
const LOOKUP_SCRIPT = `
local bands = tonumber(ARGV[2])
local owners = {}
-- MGET in slices: unpack() is bounded by Lua's stack (about 8,000 values).
for from = 1, bands, 1000 do
  local part = redis.call('MGET', unpack(KEYS, from, math.min(from + 999, bands)))
  for _, o in ipairs(part) do owners[#owners + 1] = o end
end
local lists, stored, seen = {}, {}, {}
local function want(id)
  if not seen[id] then
    seen[id] = true
    stored[#stored + 1] = id
    stored[#stored + 1] = redis.call('GET', ARGV[1] .. id) or false
  end
end
for _, o in ipairs(owners) do
  if o then want(o) end
end
for i = bands + 1, #KEYS do
  local ids = redis.call('LRANGE', KEYS[i], 0, tonumber(ARGV[3]) - 1)
  lists[#lists + 1] = ids
  for _, id in ipairs(ids) do want(id) end
end
return { owners, lists, stored }`;

type LookupReply = [Array<Buffer | null>, Buffer[][], Array<Buffer | null>];

/** The script as ioredis defines it; the Buffer variant, as signatures are binary. */
type WithLookup = Redis & {
  nearDupLookupBuffer(keys: number, ...args: string[]): Promise<LookupReply>;
};

export interface NearDupOptions {
  url: string;
  /** Key prefix. */
  prefix: string;
  /** Jaccard index of shingles at or above which a text is a near-duplicate. Default 0.95. */
  threshold?: number;
  /** Whether the reworded rule applies too. Default true. */
  reworded?: boolean;
  /** Latest originals per set of key terms checked by the reworded rule. Default 16. */
  rewordCandidates?: number;
  /** Seconds an entry lives. Default 86_400. */
  ttlS?: number;
  /** MinHash permutations. Default 128. */
  perms?: number;
  /** Words per shingle. Default 2. */
  shingleWords?: number;
  /** Per Redis command, in ms. Default 500. */
  commandTimeoutMs?: number;
}

/** One text to check: its event id and text. */
export interface NearDupItem {
  id: string;
  text: string;
}

/** The original an item repeats, and how similar they are; null when it is an original. */
export interface NearDupVerdict {
  duplicateOf: string | null;
  /** The rule's similarity: of shingles (≥ threshold) or of words (reworded). */
  similarity: number | null;
  /** Which rule found the original. */
  rule?: "shingles" | "reworded";
}

/** What the index keeps of a text: its signature, band keys, gist and reworded list. */
interface Probe {
  sig: Uint32Array;
  bands: string[];
  gist: Gist;
  list: string | null;
}

/** An original's stored entry. */
interface Stored {
  sig: Uint32Array;
  gist: Gist | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class NearDupIndex {
  readonly threshold: number;
  readonly banding: Banding;
  readonly #o: Required<Omit<NearDupOptions, "url">>;
  readonly #redis: WithLookup;

  constructor(o: NearDupOptions) {
    this.#o = {
      prefix: o.prefix,
      threshold: o.threshold ?? 0.95,
      reworded: o.reworded ?? true,
      rewordCandidates: o.rewordCandidates ?? 16,
      ttlS: o.ttlS ?? 86_400,
      perms: o.perms ?? 128,
      shingleWords: o.shingleWords ?? 2,
      commandTimeoutMs: o.commandTimeoutMs ?? 500,
    };
    this.threshold = this.#o.threshold;
    this.banding = optimalBanding(this.threshold, this.#o.perms);
    const redis = new Redis(o.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.#o.commandTimeoutMs,
      connectTimeout: this.#o.commandTimeoutMs,
    });
    // EVALSHA, falling back to EVAL once after a script flush or a new server.
    redis.defineCommand("nearDupLookup", { lua: LOOKUP_SCRIPT });
    this.#redis = redis as WithLookup;
    // Errors reach the callers of each command; the connection keeps reconnecting.
    this.#redis.on("error", () => {});
  }

  signature(text: string): Uint32Array {
    return minhash(shingles(text, { k: this.#o.shingleWords }), this.#o.perms);
  }

  #probe(text: string): Probe {
    const sig = this.signature(text);
    const g = gist(text);
    const p = this.#o.prefix;
    return {
      sig,
      bands: bandKeys(sig, this.banding).map((k) => `${p}:b:${k}`),
      gist: g,
      list: this.#o.reworded ? `${p}:r:${bandKeys(keyHash(gistKey(g)), ONE_BAND)[0]}` : null,
    };
  }

  async #ready(): Promise<void> {
    if (this.#redis.status === "wait") await this.#redis.connect();
  }

  /**
   * Checks a batch in order and records its originals. An item may repeat an original stored
   * earlier or one earlier in the same batch. Throws when Redis fails.
   */
  async checkAndAdd(items: NearDupItem[]): Promise<NearDupVerdict[]> {
    if (items.length === 0) return [];
    const { verdicts, probes } = await this.#find(items);
    await this.#add(items, probes, verdicts);
    return verdicts;
  }

  /** Records texts as originals without checking them (the bench's fill). */
  async addOriginals(items: NearDupItem[]): Promise<void> {
    await this.#ready();
    const probes = items.map((i) => this.#probe(i.text));
    await this.#add(items, probes, items.map(() => ({ duplicateOf: null, similarity: null })));
  }

  /** Checks a batch without recording anything (what the bench times). */
  async find(items: NearDupItem[]): Promise<NearDupVerdict[]> {
    return items.length === 0 ? [] : (await this.#find(items)).verdicts;
  }

  async #find(items: NearDupItem[]) {
    await this.#ready();
    const probes = items.map((i) => this.#probe(i.text));
    const bandKeys = probes.flatMap((p) => p.bands);
    const lists = probes.flatMap((p) => (p.list ? [p.list] : []));
    const started = performance.now();
    const [rawOwners, rawLists, rawStored] = await this.#redis.nearDupLookupBuffer(
      bandKeys.length + lists.length,
      ...bandKeys,
      ...lists,
      `${this.#o.prefix}:s:`,
      String(bandKeys.length),
      String(this.#o.rewordCandidates),
    );
    nearDupLookupSeconds.observe((performance.now() - started) / 1000);
    const owners = rawOwners.map((b) => (b ? b.toString() : null));
    const listed = rawLists.map((ids) => ids.map((b) => b.toString()));
    const stored = new Map<string, Stored>();
    for (let i = 0; i < rawStored.length; i += 2) {
      const entry = this.#decode(rawStored[i + 1]);
      if (entry) stored.set(rawStored[i]!.toString(), entry);
    }
    return { verdicts: this.#decide(items, probes, owners, listed, stored), probes };
  }

  /** A stored entry: the signature's bytes, then the gist (absent in older entries). */
  #decode(b: Buffer | null): Stored | null {
    const n = this.#o.perms * 4;
    if (!b || b.length < n) return null;
    const bytes = new Uint8Array(b);
    const sig = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n));
    return { sig, gist: b.length > n ? decodeGist(decoder.decode(bytes.subarray(n))) : null };
  }

  #encode(p: Probe): Buffer {
    const sig = new Uint8Array(p.sig.buffer, p.sig.byteOffset, p.sig.byteLength);
    const g = encoder.encode(encodeGist(p.gist));
    const out = Buffer.allocUnsafe(sig.length + g.length);
    out.set(sig, 0);
    out.set(g, sig.length);
    return out;
  }

  /** Deletes every key under the prefix (bench and test clean-up); returns how many. */
  async clear(): Promise<number> {
    await this.#ready();
    let n = 0;
    let cursor = "0";
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        "MATCH",
        `${this.#o.prefix}:*`,
        "COUNT",
        10_000,
      );
      cursor = next;
      if (keys.length > 0) n += await this.#redis.unlink(...keys);
    } while (cursor !== "0");
    return n;
  }

  #decide(
    items: NearDupItem[],
    probes: Probe[],
    owners: Array<string | null>,
    listed: string[][],
    stored: Map<string, Stored>,
  ): NearDupVerdict[] {
    const b = this.banding.bands;
    // Band keys and lists → originals earlier in this batch, so two copies in one batch are
    // caught.
    const local = new Map<string, string>();
    const localLists = new Map<string, string[]>();
    const known = new Map(stored);
    let listAt = 0;
    return items.map((item, n) => {
      const p = probes[n];
      const byBand = new Set<string>();
      p.bands.forEach((k, j) => {
        for (const id of [owners[n * b + j], local.get(k)]) {
          if (id && id !== item.id) byBand.add(id);
        }
      });
      const byList = new Set<string>();
      if (p.list) {
        for (const id of [...listed[listAt++], ...(localLists.get(p.list) ?? [])]) {
          if (id !== item.id) byList.add(id);
        }
      }
      const best = this.#best(p, byBand, byList, known);
      if (best.duplicateOf === null) {
        known.set(item.id, { sig: p.sig, gist: p.gist });
        for (const k of p.bands) if (!local.has(k)) local.set(k, item.id);
        if (p.list) localLists.set(p.list, [...(localLists.get(p.list) ?? []), item.id]);
      }
      return best;
    });
  }

  /** The most similar original by shingles, else by the reworded rule. */
  #best(
    p: Probe,
    byBand: Set<string>,
    byList: Set<string>,
    known: Map<string, Stored>,
  ): NearDupVerdict {
    let best: NearDupVerdict = { duplicateOf: null, similarity: null };
    for (const id of byBand) {
      const sig = known.get(id)?.sig;
      const sim = sig ? estimate(sig, p.sig) : 0;
      if (sim >= this.threshold && sim > (best.similarity ?? -1)) {
        best = { duplicateOf: id, similarity: sim, rule: "shingles" };
      }
    }
    if (best.duplicateOf !== null) return best;
    for (const id of byList) {
      const g = known.get(id)?.gist;
      const sim = g ? rewordSimilarity(g, p.gist) : 0;
      if (sim >= REWORD_THRESHOLD && sim > (best.similarity ?? -1)) {
        best = { duplicateOf: id, similarity: sim, rule: "reworded" };
      }
    }
    return best;
  }

  async #add(items: NearDupItem[], probes: Probe[], verdicts: NearDupVerdict[]): Promise<void> {
    const ttl = this.#o.ttlS;
    const tx = this.#redis.pipeline();
    items.forEach((item, n) => {
      if (verdicts[n].duplicateOf !== null) return;
      const p = probes[n];
      tx.set(`${this.#o.prefix}:s:${item.id}`, this.#encode(p), "EX", ttl);
      for (const k of p.bands) tx.set(k, item.id, "EX", ttl, "NX");
      if (p.list) {
        tx.lpush(p.list, item.id);
        tx.ltrim(p.list, 0, this.#o.rewordCandidates - 1);
        tx.expire(p.list, ttl);
      }
    });
    const res = await tx.exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    await Promise.resolve();
  }
}
