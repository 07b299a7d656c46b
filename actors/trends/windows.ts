/**
 * Hopping windows on event time. A window covers [start, start + size) with starts every
 * `slide`. Each partition has a watermark (its latest event time minus the allowed lateness);
 * an event older than its partition's watermark is late: counted and dropped, never merged.
 * Windows close when the slowest partition's watermark passes their end, in start order, empty
 * ones included (trend baselines need them). The state serialises to JSON for checkpoints, and
 * because lateness is decided per partition, a replay of the same partitions gives the same
 * windows whatever the interleaving between partitions.
 *
 * State is kept per pane (one slide of event time; each event is in exactly one pane) and a
 * window is the merge of its size / slide panes when it closes, so the checkpoint holds every
 * event once instead of once per overlapping window. Events are deduplicated by URI within the
 * open panes: a copy of an event whose pane is gone would be late anyway.
 */
import { eventsToJSON, mergeInto, mergePanes, Pane, paneFromJSON, paneToJSON } from "./_pane.ts";
import type { PaneSnapshot } from "./_pane.ts";
import { WindowAcc } from "./_window_acc.ts";

export interface WindowConfig {
  sizeMs: number;
  slideMs: number;
  latenessMs: number;
  /** Partitions of the input: the watermark waits for all of them. */
  partitions: number;
  /** Sample post URIs kept per keyword and window. Default 3. */
  samples?: number;
  /**
   * How far an event's time may be ahead of its receive time before it counts as `future`
   * (dropped, and never moving the watermark). Default 5 minutes. An event more than lateness
   * plus this behind its receive time is late, so a backdated post cannot pull the first window
   * back by years.
   */
  maxSkewMs?: number;
}

export interface KeywordAgg {
  count: number;
  /** Distinct authors (exact). */
  uniqueAuthors: number;
  /** Distinct texts (fingerprints); absent in windows saved before they were kept. */
  texts?: number;
  sentimentSum: number;
  samples: string[];
}

export interface ClosedWindow {
  start: number;
  end: number;
  keywords: Map<string, KeywordAgg>;
  /**
   * The newest slide of the window, [end - slide, end): the posts in it, and per keyword the
   * distinct voices (authors, identical texts counting once) in it and in the newest two slides,
   * all and new (`SliceVoices`). Every slide is the newest of exactly one window, so these are
   * the non-overlapping slices a trend baseline learns from.
   */
  slice?: {
    slideMs: number;
    volume: number;
    authors: Map<string, SliceVoices>;
  };
}

/**
 * A keyword's distinct voices in the newest slide and the newest two, then the same voices less
 * those already heard in the slide before (the newest slide's voices absent from the one before
 * it; the newest two slides' absent from the third newest). Accounts that post every slide, a
 * ring's or a keyword's regulars, are in the first two and never in the last two.
 */
export type SliceVoices = [last: number, lastTwo: number, newLast?: number, newLastTwo?: number];

type Slice = NonNullable<ClosedWindow["slice"]>;

type Agg = { authors: Set<string>; texts: Set<number | string> };

/**
 * A keyword's `SliceVoices` from its aggregates in the newest pane (`a`), the one before (`b`)
 * and the one before that (`c`), by counting (no set is built): the voices of the newest two are
 * `a`'s and `b`'s not in `a`; new voices are those less the ones the pane before also has.
 */
function sliceVoices(a?: Agg, b?: Agg, c?: Agg): SliceVoices {
  const au = counts(a?.authors, b?.authors, c?.authors);
  const tx = counts(a?.texts, b?.texts, c?.texts);
  return [
    Math.min(au[0], tx[0]),
    Math.min(au[1], tx[1]),
    Math.min(au[2], tx[2]),
    Math.min(au[3], tx[3]),
  ];
}

/** |A|, |A ∪ B|, |A \ B| (that is |A ∪ B| − |B|) and |(A ∪ B) \ C|. */
function counts<T>(sa: Set<T> = EMPTY, sb: Set<T> = EMPTY, sc: Set<T> = EMPTY): number[] {
  let two = sa.size;
  for (const x of sb) if (!sa.has(x)) two++;
  let new2 = two;
  for (const x of sc) if (sa.has(x) || sb.has(x)) new2--;
  return [sa.size, two, two - sb.size, new2];
}
const EMPTY = new Set<never>();

export interface WindowEvent {
  partition: number;
  time: number;
  /** When the source received the event (Jetstream's `time_us`, in ms); no skew check without. */
  receivedAt?: number;
  author: string;
  uri: string;
  keywords: string[];
  /** The text's fingerprint (`textFingerprint`): identical texts are one voice. */
  text?: number;
  /** Sentiment score in [-1, 1]. */
  score: number;
}

/** What `add` did with an event. */
export type AddOutcome = "counted" | "late" | "future" | "duplicate";

/** A window's keyword as checkpoints written before panes held it (with its authors). */
export type LegacyAgg = Omit<KeywordAgg, "uniqueAuthors"> & { authors: string[] };

/** Checkpoints written before panes held whole windows; they are merged in as they close. */
type LegacyWindows = Array<[number, Array<[string, LegacyAgg]>]>;

/** Everything but the panes: small, saved with every batch. */
export interface WindowMeta {
  partitionMax: number[];
  nextClose: number | null;
  closedEnd: number | null;
  late: number;
  future: number;
  duplicates: number;
}

/** What changed since the last `takeChanges`: events added per pane, and panes dropped. */
export interface WindowChanges {
  /** Per pane start, a pane holding only the events added since the last call. */
  deltas: Array<[number, PaneSnapshot]>;
  /** Panes no open window covers any more: their saved deltas can go. */
  dropped: number[];
}

interface Snapshot {
  panes?: Array<[number, PaneSnapshot]>;
  windows?: LegacyWindows;
  partitionMax: number[];
  nextClose: number | null;
  closedEnd: number | null;
  late: number;
  future?: number;
  duplicates?: number;
}

export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

export class WindowState {
  readonly config: WindowConfig;
  late = 0;
  future = 0;
  duplicates = 0;
  #panes = new Map<number, Pane>();
  /**
   * Events added since the last `takeChanges`, per pane: an incremental checkpoint's rows. Kept
   * as the events themselves (one push each), turned into snapshots once per batch.
   */
  #deltas = new Map<number, WindowEvent[]>();
  /** Every open pane is to be saved whole at the next `takeChanges` (after a full snapshot). */
  #allChanged = false;
  #dropped: number[] = [];
  #legacy = new Map<number, Map<string, LegacyAgg>>();
  /** The next window to close, accumulated as events arrive (null: built when it closes). */
  #acc: WindowAcc | null = null;
  #partitionMax: number[];
  #nextClose: number | null = null;
  /** End of the last closed window: an event before it would land in a closed window. */
  #closedEnd = -Infinity;

  constructor(config: WindowConfig) {
    if (config.sizeMs % config.slideMs !== 0) {
      throw new RangeError("Window size must be a multiple of the slide");
    }
    this.config = config;
    this.#partitionMax = Array(config.partitions).fill(-Infinity);
  }

  /** The global watermark: the slowest partition's latest event time minus the lateness. */
  watermark(): number {
    return Math.min(...this.#partitionMax) - this.config.latenessMs;
  }

  /** Adds an event to its pane, unless it is late, from the future or a duplicate (counted). */
  add(e: WindowEvent): AddOutcome {
    const { sizeMs, slideMs, latenessMs } = this.config;
    const skew = this.config.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    if (e.receivedAt !== undefined && e.time > e.receivedAt + skew) {
      this.future++;
      return "future";
    }
    const max = this.#partitionMax[e.partition] ?? -Infinity;
    if (
      e.time < max - latenessMs || e.time < this.#closedEnd ||
      (e.receivedAt !== undefined && e.time < e.receivedAt - latenessMs - skew)
    ) {
      this.late++;
      return "late";
    }
    const start = Math.floor(e.time / slideMs) * slideMs;
    let pane = this.#panes.get(start);
    if (pane?.uris.has(e.uri)) {
      this.duplicates++;
      return "duplicate";
    }
    this.#partitionMax[e.partition] = Math.max(max, e.time);
    const first = start - sizeMs + slideMs;
    if (this.#nextClose === null || first < this.#nextClose) this.#nextClose = first;
    if (!pane) this.#panes.set(start, pane = new Pane());
    const acc = this.#acc;
    pane.add(
      e,
      this.config.samples ?? 3,
      acc && start >= acc.start && start < acc.start + sizeMs ? acc : undefined,
    );
    const delta = this.#deltas.get(start);
    if (delta) delta.push(e);
    else this.#deltas.set(start, [e]);
    return "counted";
  }

  /** Closes, in order, every window whose end the watermark has passed. */
  closeReady(): ClosedWindow[] {
    const out: ClosedWindow[] = [];
    const wm = this.watermark();
    const { sizeMs, slideMs } = this.config;
    while (this.#nextClose !== null && this.#nextClose + sizeMs <= wm) {
      const start = this.#nextClose;
      const panes: Pane[] = [];
      for (let p = start; p < start + sizeMs; p += slideMs) {
        const pane = this.#panes.get(p);
        if (pane) panes.push(pane);
      }
      const keywords = this.#merge(start, panes);
      const slice = this.#slice(start + sizeMs);
      // No later window covers this pane: its events (and the URIs seen in it) are done.
      if (this.#panes.delete(start)) this.#dropped.push(start);
      this.#deltas.delete(start);
      this.#legacy.delete(start);
      out.push({ start, end: start + sizeMs, keywords, slice });
      this.#nextClose = start + slideMs;
      this.#closedEnd = start + sizeMs;
    }
    return out;
  }

  /**
   * The window from its accumulator, which then slides on by one pane (the window's oldest pane
   * out, the next window's newest in). A checkpoint's whole-window partial is merged instead.
   */
  #merge(start: number, panes: Pane[]): Map<string, KeywordAgg> {
    const samples = this.config.samples ?? 3;
    const legacy = this.#legacy.get(start);
    if (legacy) {
      this.#acc = null;
      return mergePanes(legacy, panes, samples);
    }
    if (this.#acc?.start !== start) this.#acc = new WindowAcc(start, panes);
    const acc = this.#acc;
    const keywords = acc.emit(panes, samples);
    const { sizeMs, slideMs } = this.config;
    const oldest = this.#panes.get(start), next = this.#panes.get(start + sizeMs);
    if (oldest) acc.addPane(oldest, -1);
    if (next) acc.addPane(next, 1);
    acc.start = start + slideMs;
    return keywords;
  }

  #slice(end: number): Slice {
    const { slideMs, sizeMs } = this.config;
    const pane = (i: number) =>
      sizeMs > i * slideMs ? this.#panes.get(end - (i + 1) * slideMs) : undefined;
    const [last, before, third] = [pane(0), pane(1), pane(2)];
    const authors: Slice["authors"] = new Map();
    for (const [k, a] of last?.keywords ?? []) {
      authors.set(k, sliceVoices(a, before?.keywords.get(k), third?.keywords.get(k)));
    }
    for (const [k, b] of before?.keywords ?? []) {
      if (!authors.has(k)) authors.set(k, sliceVoices(undefined, b, third?.keywords.get(k)));
    }
    return { slideMs, volume: last?.uris.size ?? 0, authors };
  }

  /** The events added and the panes dropped since the last call, then forgets both. */
  takeChanges(): WindowChanges {
    const deltas: WindowChanges["deltas"] = this.#allChanged
      ? [...this.#panes].map(([s, p]) => [s, paneToJSON(p)])
      : [...this.#deltas].map(([s, events]) => [s, eventsToJSON(events)]);
    const dropped = this.#dropped;
    this.#deltas = new Map();
    this.#allChanged = false;
    this.#dropped = [];
    return { deltas, dropped };
  }

  /** Every open pane as one delta (a first incremental save after a full snapshot). */
  markAllChanged(): void {
    this.#allChanged = true;
  }

  meta(): WindowMeta {
    return {
      partitionMax: this.#partitionMax.map((x) => (Number.isFinite(x) ? x : -1)),
      nextClose: this.#nextClose,
      closedEnd: Number.isFinite(this.#closedEnd) ? this.#closedEnd : null,
      late: this.late,
      future: this.future,
      duplicates: this.duplicates,
    };
  }

  /** The state from `meta` and every saved delta of each pane (deltas merge in any order). */
  static restore(
    config: WindowConfig,
    meta: WindowMeta,
    panes: Iterable<[number, PaneSnapshot]>,
  ): WindowState {
    const s = WindowState.fromJSON(config, { ...meta, panes: [] });
    for (const [start, snap] of panes) {
      const delta = paneFromJSON(snap, config.samples ?? 3);
      const pane = s.#panes.get(start);
      if (pane) mergeInto(pane, delta, config.samples ?? 3);
      else s.#panes.set(start, delta);
    }
    return s;
  }

  toJSON(): Snapshot {
    const snap: Snapshot = {
      ...this.meta(),
      panes: [...this.#panes].map(([s, p]) => [s, paneToJSON(p)]),
    };
    if (this.#legacy.size) snap.windows = [...this.#legacy].map(([s, w]) => [s, [...w]]);
    return snap;
  }

  static fromJSON(config: WindowConfig, snap: Snapshot): WindowState {
    const s = new WindowState(config);
    s.late = snap.late;
    s.future = snap.future ?? 0;
    s.duplicates = snap.duplicates ?? 0;
    s.#nextClose = snap.nextClose;
    s.#closedEnd = snap.closedEnd ?? -Infinity;
    s.#partitionMax = snap.partitionMax.map((x) => (x < 0 ? -Infinity : x));
    for (const [start, p] of snap.panes ?? []) {
      s.#panes.set(start, paneFromJSON(p, config.samples ?? 3));
    }
    for (const [start, entries] of snap.windows ?? []) s.#legacy.set(start, new Map(entries));
    return s;
  }
}
