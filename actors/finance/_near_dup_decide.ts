/**
 * The near-duplicate verdicts of a batch, from what the lookup found: pure, no I/O. An item may
 * repeat an original stored earlier or one earlier in the same batch; only originals become
 * candidates, so `duplicateOf` always names an original, and an item finding only its own id (a
 * replay) is an original again.
 */
import { estimate } from "./_minhash.ts";
import { REWORD_THRESHOLD, rewordSimilarity } from "./_reword.ts";
import type { Found, Probe, Stored } from "./_near_dup_store.ts";

/** The original an item repeats, and how similar they are; null when it is an original. */
export interface NearDupVerdict {
  duplicateOf: string | null;
  /** The rule's similarity: of shingles (≥ threshold) or of words (reworded). */
  similarity: number | null;
  /** Which rule found the original. */
  rule?: "shingles" | "reworded";
}

export function decide(
  ids: string[],
  probes: Probe[],
  found: Found,
  threshold: number,
): NearDupVerdict[] {
  const { owners, listed } = found;
  // Band keys and lists → originals earlier in this batch, so two copies in one batch are caught.
  const local = new Map<string, string>();
  const localLists = new Map<string, string[]>();
  const known = new Map(found.stored);
  let bandAt = 0;
  let listAt = 0;
  return ids.map((id, n) => {
    const p = probes[n];
    const byBand = new Set<string>();
    for (const k of p.bands) {
      for (const o of [owners[bandAt++], local.get(k)]) if (o && o !== id) byBand.add(o);
    }
    const byList = new Set<string>();
    if (p.list) {
      for (const o of [...listed[listAt++], ...(localLists.get(p.list) ?? [])]) {
        if (o !== id) byList.add(o);
      }
    }
    const best = bestOriginal(p, byBand, byList, known, threshold);
    if (best.duplicateOf === null) {
      known.set(id, { sig: p.sig, gist: p.gist });
      for (const k of p.bands) if (!local.has(k)) local.set(k, id);
      if (p.list) localLists.set(p.list, [...(localLists.get(p.list) ?? []), id]);
    }
    return best;
  });
}

/** The most similar original by shingles, else by the reworded rule. */
function bestOriginal(
  p: Probe,
  byBand: Set<string>,
  byList: Set<string>,
  known: Map<string, Stored>,
  threshold: number,
): NearDupVerdict {
  let best: NearDupVerdict = { duplicateOf: null, similarity: null };
  for (const id of byBand) {
    const sig = known.get(id)?.sig;
    const sim = sig ? estimate(sig, p.sig) : 0;
    if (sim >= threshold && sim > (best.similarity ?? -1)) {
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
