/**
 * One slide of event time: the per-keyword aggregates of the events in it and their URIs (the
 * deduplication set). Windows are merged from panes when they close; everything here is
 * summed or united in a way that does not depend on the order events arrived in.
 */
import type { KeywordAgg, LegacyAgg, WindowEvent } from "./windows.ts";
import type { WindowAcc } from "./_window_acc.ts";

interface PaneAgg {
  count: number;
  authors: Set<string>;
  /** Fingerprints of the posts' texts: identical texts from many accounts are one voice. */
  texts: Set<number | string>;
  /** Sentiment summed in whole millionths: integer sums do not depend on arrival order. */
  micros: number;
  samples: string[];
}

/**
 * A pane in a checkpoint: per keyword (`KeywordsSnapshot`, a whole pane), or as the events a
 * batch added (`EventsSnapshot`, an incremental delta: cheaper to keep while events arrive than
 * a second pane, and replayed into one on restore). Either way, authors are indexes into the
 * snapshot's author table.
 */
export type PaneSnapshot = KeywordsSnapshot | EventsSnapshot;

/** A pane per keyword; URIs with their author as an index into the author table. */
export interface KeywordsSnapshot {
  authors: string[];
  uris: string[];
  keywords: Array<
    [
      keyword: string,
      count: number,
      authors: number[],
      micros: number,
      samples: string[],
      texts?: number[],
    ]
  >;
}

/** Events as added: author index, URI, sentiment in millionths, text, keyword indexes. */
export interface EventsSnapshot {
  authors: string[];
  words: string[];
  events: Array<[author: number, uri: string, micros: number, text: number | null, kw: number[]]>;
}

/** The events of one pane a batch added, as an `EventsSnapshot`. */
export function eventsToJSON(events: WindowEvent[]): EventsSnapshot {
  const authors = new Map<string, number>(), words = new Map<string, number>();
  const id = (m: Map<string, number>, k: string) => {
    let i = m.get(k);
    if (i === undefined) m.set(k, i = m.size);
    return i;
  };
  const out = events.map((e): EventsSnapshot["events"][number] => [
    id(authors, e.author),
    e.uri,
    micros(e.score),
    e.text ?? null,
    e.keywords.map((k) => id(words, k)),
  ]);
  return { authors: [...authors.keys()], words: [...words.keys()], events: out };
}

export class Pane {
  readonly keywords = new Map<string, PaneAgg>();
  readonly uris = new Set<string>();

  /** Adds an event; `acc` (the window being accumulated) too when it covers this pane. */
  add(e: WindowEvent, samples: number, acc?: WindowAcc): void {
    this.uris.add(e.uri);
    const m = micros(e.score);
    const text = e.text ?? e.author; // no fingerprint: each author is a voice
    for (const k of e.keywords) {
      let a = this.keywords.get(k);
      if (!a) this.keywords.set(k, a = empty());
      a.count++;
      a.micros += m;
      const au = a.authors.size, tx = a.texts.size;
      a.authors.add(e.author);
      a.texts.add(text);
      addSample(a.samples, e.uri, samples);
      acc?.add(k, m, e.author, text, a.authors.size !== au, a.texts.size !== tx);
    }
  }
}

/** Adds `src`'s events to `into` (panes of disjoint events: sums and unions, order-free). */
export function mergeInto(into: Pane, src: Pane, samples: number): void {
  for (const uri of src.uris) into.uris.add(uri);
  for (const [k, p] of src.keywords) {
    let a = into.keywords.get(k);
    if (!a) into.keywords.set(k, a = empty());
    a.count += p.count;
    a.micros += p.micros;
    for (const au of p.authors) a.authors.add(au);
    for (const t of p.texts) a.texts.add(t);
    addSamples(a.samples, p.samples, samples);
  }
}

/** A closed window from its panes (oldest first) and, from an old checkpoint, its partial. */
export function mergePanes(
  legacy: Map<string, LegacyAgg> | undefined,
  panes: Pane[],
  samples: number,
): Map<string, KeywordAgg> {
  const acc = new Map<string, PaneAgg>();
  const get = (k: string) => {
    let a = acc.get(k);
    if (!a) acc.set(k, a = empty());
    return a;
  };
  for (const [k, w] of legacy ?? []) {
    const a = get(k);
    a.count += w.count;
    a.micros += micros(w.sentimentSum);
    for (const au of w.authors) a.authors.add(au);
    for (let i = 0; i < (w.texts ?? w.authors.length); i++) a.texts.add(-1e9 - i);
    for (const uri of w.samples) addSample(a.samples, uri, samples);
  }
  for (const pane of panes) {
    for (const [k, p] of pane.keywords) {
      const a = get(k);
      a.count += p.count;
      a.micros += p.micros;
      for (const au of p.authors) a.authors.add(au);
      for (const t of p.texts) a.texts.add(t);
      addSamples(a.samples, p.samples, samples);
    }
  }
  const out = new Map<string, KeywordAgg>();
  for (const [k, a] of acc) {
    out.set(k, {
      count: a.count,
      uniqueAuthors: a.authors.size,
      texts: a.texts.size,
      sentimentSum: a.micros / 1e6,
      samples: a.samples,
    });
  }
  return out;
}

export function paneToJSON(p: Pane): KeywordsSnapshot {
  const index = new Map<string, number>();
  const keywords: KeywordsSnapshot["keywords"] = [];
  for (const [k, a] of p.keywords) {
    const ids: number[] = [];
    for (const au of a.authors) {
      let i = index.get(au);
      if (i === undefined) index.set(au, i = index.size);
      ids.push(i);
    }
    // A text stands for its author when the post had no fingerprint: saved as -1 - author index.
    const texts = [...a.texts].map((t) => typeof t === "number" ? t : -1 - index.get(t)!);
    keywords.push([k, a.count, ids, a.micros, a.samples, texts]);
  }
  // A URI names its author (at://<did>/...): stored as the author's index and the rest.
  const uris = [...p.uris].map((uri) => {
    const slash = uri.indexOf("/", 5);
    const i = uri.startsWith("at://") && slash > 0 ? index.get(uri.slice(5, slash)) : undefined;
    return i === undefined ? uri : `${i}${uri.slice(slash)}`;
  });
  return { authors: [...index.keys()], uris, keywords };
}

export function paneFromJSON(s: PaneSnapshot, samples: number): Pane {
  const p = new Pane();
  if ("events" in s) {
    for (const [a, uri, m, text, kw] of s.events) {
      const keywords = kw.map((i) => s.words[i]);
      p.add({
        partition: 0,
        time: 0,
        author: s.authors[a],
        uri,
        keywords,
        text: text ?? undefined,
        score: m / 1e6,
      }, samples);
    }
    return p;
  }
  for (const uri of s.uris) {
    const m = /^(\d+)(\/.*)$/s.exec(uri);
    p.uris.add(m ? `at://${s.authors[Number(m[1])]}${m[2]}` : uri);
  }
  for (const [k, count, ids, m, samples, texts] of s.keywords) {
    const authors = new Set(ids.map((i) => s.authors[i]));
    p.keywords.set(k, {
      count,
      authors,
      // A pane saved before texts were kept: each author counts as one voice.
      texts: new Set(
        (texts ?? ids.map((i) => -1 - i)).map((t) =>
          typeof t === "number" && t < 0 ? s.authors[-1 - t] : t
        ),
      ),
      micros: m,
      samples,
    });
  }
  return p;
}

const micros = (x: number): number => Math.round(x * 1e6);
const empty = (): PaneAgg => ({
  count: 0,
  authors: new Set(),
  texts: new Set(),
  micros: 0,
  samples: [],
});

/** A text's fingerprint (FNV-1a of its lowercased, space-collapsed form, URLs removed). */
export function textFingerprint(text: string): number {
  let t = text.toLowerCase();
  if (t.includes("http")) t = t.replace(/https?:\/\/\S+/g, "");
  t = t.replace(/\s+/g, " ").trim();
  let h = 0x811c9dc5;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** `addSample` of each of `sorted` (another pane's samples, sorted): stops at the first too big. */
export function addSamples(samples: string[], sorted: string[], max: number): void {
  for (const uri of sorted) {
    if (samples.length >= max && uri >= samples[samples.length - 1]) return;
    addSample(samples, uri, max);
  }
}

/**
 * Keeps the `max` smallest URIs, sorted: which posts are the samples must not depend on how the
 * partitions interleaved (record keys are time-ordered TIDs, so these are roughly the earliest).
 */
export function addSample(samples: string[], uri: string, max: number): void {
  // Checked first: once full, most URIs (time-ordered TIDs) are past the largest sample.
  if (samples.length >= max && uri >= samples[samples.length - 1]) return;
  if (samples.includes(uri)) return;
  let i = samples.length;
  while (i > 0 && samples[i - 1] > uri) i--;
  samples.splice(i, 0, uri);
  if (samples.length > max) samples.pop();
}
