/** What the detector reads of a closed window's newest slides. */
import type { ClosedWindow } from "./windows.ts";

/** A keyword's voices (or shares, or volumes) at three scales: newest slide, newest two, window. */
export type Scales = [number, number, number];
export type Slice = NonNullable<ClosedWindow["slice"]>;

/**
 * A keyword's voices in the newest slide, the newest two and the window, then its new voices
 * (absent from the slide before) in the newest slide and the newest two. A slice without new
 * voices (built by hand) counts every voice as new.
 */
export function observed(w: ClosedWindow, slice: Slice, k: string): Observed {
  const [s1, s2, n1 = s1, n2 = s2] = slice.authors.get(k) ?? [0, 0];
  const a = w.keywords.get(k);
  return [s1, s2, a ? Math.min(a.uniqueAuthors, a.texts ?? a.uniqueAuthors) : 0, n1, n2];
}

/** `Scales`, then the new voices (absent from the slide before) of the newest slide and two. */
export type Observed = [...Scales, number, number];
/** A window without slice data (built by hand): the window counts as its own newest slide. */
export function fallbackSlice(w: ClosedWindow): Slice {
  let volume = 0;
  const authors = new Map<string, [number, number]>();
  for (const [k, a] of w.keywords) {
    volume = Math.max(volume, a.count);
    authors.set(k, [a.uniqueAuthors, a.uniqueAuthors]);
  }
  return { slideMs: w.end - w.start, volume, authors };
}
