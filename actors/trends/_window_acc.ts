/**
 * The next window to close, kept up to date as events arrive instead of merged from its panes
 * when it closes: per keyword its count, sentiment, and in how many of the window's panes each
 * author (and each text) appears. Closing a window then reads these sizes, and sliding on
 * subtracts the oldest pane and adds the next: each event is handled about three times rather
 * than once per overlapping window (ten, with the defaults). Everything is an integer count, so
 * the result does not depend on the order events arrived in.
 */
import { addSamples } from "./_pane.ts";
import type { Pane } from "./_pane.ts";
import type { KeywordAgg } from "./windows.ts";

interface AccAgg {
  count: number;
  micros: number;
  authors: Map<string, number>;
  texts: Map<number | string, number>;
}

export class WindowAcc {
  readonly keywords = new Map<string, AccAgg>();

  /** The window [start, start + size) of the panes given (and those added later). */
  constructor(public start: number, panes: Iterable<Pane>) {
    for (const p of panes) this.addPane(p, 1);
  }

  /** One event's keyword, with whether its author and its text are new to their pane. */
  add(k: string, micros: number, author: string, text: number | string, au: boolean, tx: boolean) {
    let a = this.keywords.get(k);
    if (!a) this.keywords.set(k, a = { count: 0, micros: 0, authors: new Map(), texts: new Map() });
    a.count++;
    a.micros += micros;
    if (au) a.authors.set(author, (a.authors.get(author) ?? 0) + 1);
    if (tx) a.texts.set(text, (a.texts.get(text) ?? 0) + 1);
  }

  /** Adds (sign 1) or removes (sign -1) a whole pane. */
  addPane(p: Pane, sign: 1 | -1): void {
    for (const [k, pa] of p.keywords) {
      let a = this.keywords.get(k);
      if (!a) {
        this.keywords.set(k, a = { count: 0, micros: 0, authors: new Map(), texts: new Map() });
      }
      a.count += sign * pa.count;
      a.micros += sign * pa.micros;
      if (a.count === 0) {
        this.keywords.delete(k);
        continue;
      }
      for (const au of pa.authors) bump(a.authors, au, sign);
      for (const t of pa.texts) bump(a.texts, t, sign);
    }
  }

  /** The window's aggregates; samples are the smallest URIs of its panes' samples. */
  emit(panes: Pane[], samples: number): Map<string, KeywordAgg> {
    const out = new Map<string, KeywordAgg>();
    for (const [k, a] of this.keywords) {
      out.set(k, {
        count: a.count,
        uniqueAuthors: a.authors.size,
        texts: a.texts.size,
        sentimentSum: a.micros / 1e6,
        samples: [],
      });
    }
    for (const p of panes) {
      for (const [k, pa] of p.keywords) {
        const o = out.get(k)!;
        addSamples(o.samples, pa.samples, samples);
      }
    }
    return out;
  }
}

function bump<K>(m: Map<K, number>, k: K, by: number): void {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}
