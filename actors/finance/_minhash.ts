/**
 * MinHash signatures of word shingles and the LSH banding that finds candidates, in the manner
 * of datasketch's `MinHash` and `MinHashLSH`: the similarity estimated is the Jaccard index of
 * the two texts' sets of word k-shingles (after normalising away links, mentions of a retweet,
 * emoji, punctuation and case), not the cosine of an embedding. Pure: no I/O.
 */

export interface ShingleOptions {
  /** Words per shingle. Default 2. */
  k?: number;
}

/**
 * Lower case, without links, a leading `RT @user:` or wire tag (`BREAKING:`), a trailing wire
 * source (` - Reuters`), emoji and punctuation; words single-spaced.
 */
export function normalise(text: string): string {
  return text
    .replace(/^\s*RT\s+@[\w.-]+:?\s*/i, "")
    .replace(/^\s*(?:BREAKING|JUST IN|UPDATE|FLASH|ALERT)\s*[:\-–—]\s*/i, "")
    .replace(/\s+[-–—|]\s+\p{Lu}[\p{L}.&]*(?:\s\p{Lu}[\p{L}.&]*){0,2}\s*$/u, "")
    .replace(/https?:\/\/\S+|www\.\S+/gi, " ")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}$%.\s]|(?<!\d)\.|\.(?!\d)/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The set of word k-shingles; a text shorter than k words is one shingle. */
export function shingles(text: string, o: ShingleOptions = {}): Set<string> {
  const k = o.k ?? 2;
  const words = normalise(text).split(" ").filter(Boolean);
  const out = new Set<string>();
  if (words.length === 0) return out;
  if (words.length < k) out.add(words.join(" "));
  // Concatenated, not slice().join(): this runs for every event (a third of a probe's cost).
  for (let i = 0; i + k <= words.length; i++) {
    let shingle = words[i];
    for (let j = 1; j < k; j++) shingle += " " + words[i + j];
    out.add(shingle);
  }
  return out;
}

/** Exact Jaccard index of two sets (1 for two empty sets). */
export function jaccard<T>(a: Set<T>, b: Set<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: a cheap, well-mixing 32-bit permutation. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const seedsByCount = new Map<number, Uint32Array>();

/** Fixed seeds, so signatures made by any process (and stored in Redis) are comparable. */
function seeds(n: number): Uint32Array {
  let out = seedsByCount.get(n);
  if (!out) {
    out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = fmix32(0x9e3779b9 + i * 0x632be5ab);
    seedsByCount.set(n, out);
  }
  return out;
}

/** A signature of `perms` minimum hashes. */
export function minhash(set: Set<string>, perms: number): Uint32Array {
  const seed = seeds(perms);
  const sig = new Uint32Array(perms).fill(0xffffffff);
  for (const s of set) {
    const h = fnv1a(s);
    for (let i = 0; i < perms; i++) {
      const v = fmix32(h ^ seed[i]);
      if (v < sig[i]) sig[i] = v;
    }
  }
  return sig;
}

/** The Jaccard index two signatures estimate: the share of equal minimum hashes. */
export function estimate(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError("Signatures of different lengths");
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
  return eq / a.length;
}

/** `bands × rows` of a banded index. */
export interface Banding {
  bands: number;
  rows: number;
}

function integrate(f: (x: number) => number, a: number, b: number): number {
  const steps = 200;
  const h = (b - a) / steps;
  let area = 0;
  for (let i = 0; i < steps; i++) area += f(a + (i + 0.5) * h) * h;
  return area;
}

/**
 * datasketch's `_optimal_param`: the bands and rows (bands × rows ≤ perms) that minimise the
 * equally weighted areas of false positives (similarity below the threshold yet a candidate) and
 * false negatives (above it yet not a candidate).
 */
export function optimalBanding(threshold: number, perms: number): Banding {
  if (!(threshold > 0 && threshold < 1)) throw new RangeError("threshold must be in (0, 1)");
  let best: Banding = { bands: 1, rows: perms };
  let bestError = Infinity;
  for (let bands = 1; bands <= perms; bands++) {
    for (let rows = 1; bands * rows <= perms; rows++) {
      const p = (s: number) => 1 - (1 - s ** rows) ** bands;
      const fp = integrate(p, 0, threshold);
      const fn = integrate((s) => 1 - p(s), threshold, 1);
      if (fp + fn < bestError) {
        bestError = fp + fn;
        best = { bands, rows };
      }
    }
  }
  return best;
}

/** One key part per band: the band's rows as hex, hashed to keep keys short. */
export function bandKeys(sig: Uint32Array, b: Banding): string[] {
  const out: string[] = [];
  for (let i = 0; i < b.bands; i++) {
    let h = 0x811c9dc5 ^ i;
    for (let r = i * b.rows; r < (i + 1) * b.rows; r++) h = fmix32(h ^ sig[r]) ^ r;
    // Two independent 32-bit hashes of the band make accidental collisions negligible.
    let g = 0x2545f491 ^ i;
    for (let r = (i + 1) * b.rows - 1; r >= i * b.rows; r--) g = fmix32(g + sig[r]);
    out.push(`${i}:${(h >>> 0).toString(36)}${(g >>> 0).toString(36)}`);
  }
  return out;
}
