/**
 * The near-duplicate index in Redis: MinHash signatures of word shingles, banded for LSH (the
 * approach of datasketch's `MinHashLSH` with Redis storage). Per band a key
 * `<prefix>:b:<band>:<hash>` holds the id of the first event that had that band (SET NX), and
 * `<prefix>:s:<id>` that event's signature; both expire after `ttlS`. A text is a near-duplicate
 * when a band matches an earlier original whose signature estimates a Jaccard index of the two
 * texts' shingles at or above the threshold. Only originals enter the index, so `duplicate_of`
 * always names an original; an event finding only its own id (a replay) is an original again.
 *
 * A lookup is one round trip: a server-side script reads the band keys and, for each distinct
 * owner, its stored signature (the script reads keys it derives from values, so the index needs
 * a single Redis, not a cluster). Redis calls fail fast (no offline queue, `commandTimeoutMs`):
 * the caller decides what an unreachable index means (the sentiment worker classifies and marks
 * the event "unchecked").
 */
import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import client from "prom-client";
import { registry } from "../../lib/metrics.ts";
import { bandKeys, estimate, minhash, optimalBanding, shingles } from "./_minhash.ts";
import type { Banding } from "./_minhash.ts";

export const nearDupLookupSeconds = new client.Histogram({
  name: "sluice_near_dup_lookup_seconds",
  help: "Time to look up one batch of texts in the near-duplicate index (one Redis round trip)",
  buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
  registers: [registry],
});

/**
 * KEYS: band keys; ARGV[1]: the signature key prefix. Returns `[owners, [id, signature]...]`:
 * the owner of each band key (or nil) and the signature of each distinct owner (or nil).
 */
const LOOKUP_SCRIPT = `
local owners = redis.call('MGET', unpack(KEYS))
local sigs, seen = {}, {}
for _, o in ipairs(owners) do
  if o and not seen[o] then
    seen[o] = true
    sigs[#sigs + 1] = o
    sigs[#sigs + 1] = redis.call('GET', ARGV[1] .. o) or false
  end
end
return { owners, sigs }`;

type LookupReply = [Array<Buffer | null>, Array<Buffer | null>];
/** The script as ioredis defines it; the Buffer variant, as signatures are binary. */
type WithLookup = Redis & {
  nearDupLookupBuffer(keys: number, ...args: string[]): Promise<LookupReply>;
};

export interface NearDupOptions {
  url: string;
  /** Key prefix. */
  prefix: string;
  /** Jaccard index at or above which a text is a near-duplicate. Default 0.95. */
  threshold?: number;
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
  similarity: number | null;
}

export class NearDupIndex {
  readonly threshold: number;
  readonly banding: Banding;
  readonly #o: Required<Omit<NearDupOptions, "url">>;
  readonly #redis: WithLookup;

  constructor(o: NearDupOptions) {
    this.#o = {
      prefix: o.prefix,
      threshold: o.threshold ?? 0.95,
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

  async #ready(): Promise<void> {
    if (this.#redis.status === "wait") await this.#redis.connect();
  }

  /**
   * Checks a batch in order and records its originals. An item may repeat an original stored
   * earlier or one earlier in the same batch. Throws when Redis fails.
   */
  async checkAndAdd(items: NearDupItem[]): Promise<NearDupVerdict[]> {
    if (items.length === 0) return [];
    const { verdicts, sigs, keys } = await this.#find(items);
    await this.#add(items, sigs, keys, verdicts);
    return verdicts;
  }

  /** Records texts as originals without checking them (the bench's fill). */
  async addOriginals(items: NearDupItem[]): Promise<void> {
    await this.#ready();
    const sigs = items.map((i) => this.signature(i.text));
    const keys = sigs.map((s) => bandKeys(s, this.banding).map((k) => `${this.#o.prefix}:b:${k}`));
    const none = items.map(() => ({ duplicateOf: null, similarity: null }));
    await this.#add(items, sigs, keys, none);
  }

  /** Checks a batch without recording anything (what the bench times). */
  async find(items: NearDupItem[]): Promise<NearDupVerdict[]> {
    return items.length === 0 ? [] : (await this.#find(items)).verdicts;
  }

  async #find(items: NearDupItem[]) {
    await this.#ready();
    const sigs = items.map((i) => this.signature(i.text));
    const keys = sigs.map((s) => bandKeys(s, this.banding).map((k) => `${this.#o.prefix}:b:${k}`));
    const flat = keys.flat();
    const started = performance.now();
    const [rawOwners, rawSigs] = await this.#redis.nearDupLookupBuffer(
      flat.length,
      ...flat,
      `${this.#o.prefix}:s:`,
    );
    nearDupLookupSeconds.observe((performance.now() - started) / 1000);
    const owners = rawOwners.map((b) => (b ? b.toString() : null));
    const stored = new Map<string, Uint32Array>();
    for (let i = 0; i < rawSigs.length; i += 2) {
      const b = rawSigs[i + 1];
      if (b && b.length === this.#o.perms * 4) {
        stored.set(rawSigs[i]!.toString(), new Uint32Array(new Uint8Array(b).buffer));
      }
    }
    return { verdicts: this.#decide(items, sigs, keys, owners, stored), sigs, keys };
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
    sigs: Uint32Array[],
    keys: string[][],
    owners: Array<string | null>,
    stored: Map<string, Uint32Array>,
  ): NearDupVerdict[] {
    const b = this.banding.bands;
    // Band key → an original earlier in this batch, so two copies in one batch are caught.
    const local = new Map<string, string>();
    const known = new Map(stored);
    return items.map((item, n) => {
      const found = new Set<string>();
      keys[n].forEach((k, j) => {
        const owner = owners[n * b + j];
        if (owner && owner !== item.id) found.add(owner);
        const mine = local.get(k);
        if (mine && mine !== item.id) found.add(mine);
      });
      let best: NearDupVerdict = { duplicateOf: null, similarity: null };
      for (const id of found) {
        const sig = known.get(id);
        const sim = sig ? estimate(sig, sigs[n]) : 0;
        if (sim >= this.threshold && sim > (best.similarity ?? -1)) {
          best = { duplicateOf: id, similarity: sim };
        }
      }
      if (best.duplicateOf === null) {
        known.set(item.id, sigs[n]);
        for (const k of keys[n]) if (!local.has(k)) local.set(k, item.id);
      }
      return best;
    });
  }

  async #add(
    items: NearDupItem[],
    sigs: Uint32Array[],
    keys: string[][],
    verdicts: NearDupVerdict[],
  ): Promise<void> {
    const ttl = this.#o.ttlS;
    const tx = this.#redis.pipeline();
    items.forEach((item, n) => {
      if (verdicts[n].duplicateOf !== null) return;
      const bytes = new Uint8Array(sigs[n].buffer, sigs[n].byteOffset, sigs[n].byteLength);
      tx.set(`${this.#o.prefix}:s:${item.id}`, Buffer.from(bytes), "EX", ttl);
      for (const k of keys[n]) tx.set(k, item.id, "EX", ttl, "NX");
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
