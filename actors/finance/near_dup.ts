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
 * each distinct candidate, its stored signature and gist; recording a batch's originals is one
 * more (a second script). Layout and scripts: `_near_dup_store.ts`; the verdicts:
 * `_near_dup_decide.ts`. Redis calls fail fast (no offline
 * queue, `commandTimeoutMs`): the caller decides what an unreachable index means (the sentiment
 * worker classifies and marks the event "unchecked").
 */
import { Redis } from "ioredis";
import client from "prom-client";
import { registry } from "../../lib/metrics.ts";
import { bandKeys, minhash, optimalBanding, shingles } from "./_minhash.ts";
import type { Banding } from "./_minhash.ts";
import { gist, gistKey, keyHash } from "./_reword.ts";
import { decide } from "./_near_dup_decide.ts";
import type { NearDupVerdict } from "./_near_dup_decide.ts";
import { add, defineScripts, lookup } from "./_near_dup_store.ts";
import type { IndexRedis, Layout, Probe } from "./_near_dup_store.ts";

export type { NearDupVerdict } from "./_near_dup_decide.ts";

/** One band over a key hash's 4 words: a short, well-mixed list key. */
const ONE_BAND: Banding = { bands: 1, rows: 4 };

export const nearDupLookupSeconds = new client.Histogram({
  name: "sluice_near_dup_lookup_seconds",
  help: "Time to look up one batch of texts in the near-duplicate index (one Redis round trip)",
  buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
  registers: [registry],
});

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

export class NearDupIndex {
  readonly threshold: number;
  readonly banding: Banding;
  readonly prefix: string;
  readonly #o: Required<Omit<NearDupOptions, "url">>;
  readonly #layout: Layout;
  readonly #redis: IndexRedis;

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
    this.prefix = o.prefix;
    this.banding = optimalBanding(this.threshold, this.#o.perms);
    this.#layout = {
      prefix: this.#o.prefix,
      perms: this.#o.perms,
      ttlS: this.#o.ttlS,
      listLength: this.#o.rewordCandidates,
    };
    this.#redis = defineScripts(
      new Redis(o.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: this.#o.commandTimeoutMs,
        connectTimeout: this.#o.commandTimeoutMs,
      }),
    );
    // Errors reach the callers of each command; the connection keeps reconnecting.
    this.#redis.on("error", () => {});
  }

  signature(text: string): Uint32Array {
    return minhash(shingles(text, { k: this.#o.shingleWords }), this.#o.perms);
  }

  /** What the index computes and stores for a text (pure; the bench's fill uses it too). */
  probe(text: string): Probe {
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
    await add(
      this.#redis,
      this.#layout,
      items.flatMap((item, n) =>
        verdicts[n].duplicateOf === null ? [{ id: item.id, probe: probes[n] }] : []
      ),
    );
    return verdicts;
  }

  /**
   * Records originals without checking them (the bench's bulk fill), exactly as `checkAndAdd`
   * records an original. `probes` may be computed ahead with `probe`.
   */
  async addOriginals(items: Array<{ id: string; probe: Probe }>): Promise<void> {
    await this.#ready();
    await add(this.#redis, this.#layout, items);
  }

  /** Checks a batch without recording anything (what the bench times). */
  async find(items: NearDupItem[]): Promise<NearDupVerdict[]> {
    return items.length === 0 ? [] : (await this.#find(items)).verdicts;
  }

  async #find(items: NearDupItem[]) {
    await this.#ready();
    const probes = items.map((i) => this.probe(i.text));
    const started = performance.now();
    const found = await lookup(this.#redis, this.#layout, probes);
    nearDupLookupSeconds.observe((performance.now() - started) / 1000);
    const verdicts = decide(items.map((i) => i.id), probes, found, this.threshold);
    return { verdicts, probes };
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

  async close(): Promise<void> {
    this.#redis.disconnect();
    await Promise.resolve();
  }
}
