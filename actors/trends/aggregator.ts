/**
 * The aggregator: an actor fed by one consumer. Direct (`TREND_PARTITIONS=0`), it reads
 * `posts-classified` and keeps one state; scaled out, it reads the partitions of
 * `trend-keywords` (made by `router.ts`) the group assigns it and keeps one state per partition
 * (`_part.ts`), each owning the keywords that hash to it. Per batch and state it adds the posts'
 * keywords to hopping windows, closes the windows the watermark has passed, scores them,
 * appends raw posts and closed windows to the data lake, then saves the closed windows, the
 * window's scores and a checkpoint in one PostgreSQL transaction, and only then acks. In that
 * transaction the window's scores are merged with the other partitions' once all are saved
 * (`store.ts`, `merge.ts`): the global ranking, the alerts (to `trend_alerts`, the lake and
 * `trend-alerts`) and the cache.
 *
 * The checkpoint is incremental: a batch saves only the events it added (per pane), the small
 * window bookkeeping, lake file sizes and the per-source-partition offsets they reflect; the
 * detector is rewritten only when windows close. Offsets are kept with the broker incarnation
 * they came from: after a broker reset (a new in-memory broker in `deno task dev`, a
 * re-formatted Kafka) they are void, and every message is new. Kafka commits trail the
 * checkpoint; after a crash the messages below the checkpoint's offsets are skipped, so a run
 * with crashes produces exactly the windows and alerts of an uninterrupted one.
 *
 * Each post is counted, late, future (event time more than `windows.maxSkewMs` ahead of
 * Jetstream's receive time: dropped without moving the watermark) or a duplicate (the URI of a
 * post still in an open pane, as after a firehose rewind or a classifier replay: dropped, from
 * the lake too).
 */
import type { Logger } from "../../lib/log.ts";
import { aggregatorEvents } from "../../lib/metrics.ts";
import { ClassifiedPost, parseMessage } from "../../schemas/mod.ts";
import type { TrendAlert } from "../../schemas/trends.ts";
import type { Envelope, Producer } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import type { TrendCache } from "./cache.ts";
import type { DetectConfig, SlideScores } from "./detect.ts";
import type { KeywordOptions } from "./keywords.ts";
import type { Lake } from "./lake.ts";
import { TrendMerger } from "./merge.ts";
import type { Merged } from "./merge.ts";
import { admit, resumePart } from "./_part.ts";
import type { DetectorState, Part, PartMeta } from "./_part.ts";
import { ALL_POSTS, routedEvents, toSourced, windowEvent } from "./route.ts";
import type { SourcedEvent } from "./route.ts";
import type { TrendStore } from "./store.ts";
import type { ClosedWindow, WindowConfig } from "./windows.ts";

export { ALL_POSTS, windowEvent } from "./route.ts";
export type { TrendPost } from "./route.ts";

export interface AggregatorOptions {
  /** `AGG_NAME`: the checkpoint's name (direct), or its prefix (`<name>-p<partition>`). */
  name: string;
  store: TrendStore;
  /** `partitions`: those of `posts-classified` (a scaled-out aggregator learns it from records). */
  windows: WindowConfig;
  detect: DetectConfig;
  keywordOptions: KeywordOptions;
  producer: Producer;
  alertTopic: string;
  cache: TrendCache;
  /** The lake of a checkpoint name (each state appends to its own files or objects). */
  lake: (name: string) => Promise<Lake>;
  /** The broker's incarnation (`Admin.incarnation()`): offsets saved under another are void. */
  incarnation: string;
  logger: Logger;
  /** Partitions of `trend-keywords` (scaled out); 0 or absent: read `posts-classified`. */
  keywordPartitions?: number;
  batchSize?: number;
  flushMs?: number;
  /** Test hook: runs after the lake append, before the checkpoint commits. */
  beforeCheckpoint?: () => void;
}

/** A decoded input record: the source's partition count and its posts as events. */
interface Input {
  n: number;
  events: SourcedEvent[];
}

export async function createAggregator(o: AggregatorOptions): Promise<Actor<Envelope>> {
  const routed = (o.keywordPartitions ?? 0) > 0;
  const nameOf = (p: number) => (routed ? `${o.name}-p${p}` : o.name);
  const parts = new Map<number, Part>();
  const open = async (p: number, sourcePartitions: number) => {
    const part = await resumePart({
      name: nameOf(p),
      store: o.store,
      windows: { ...o.windows, partitions: sourcePartitions },
      detect: o.detect,
      lake: await o.lake(nameOf(p)),
      incarnation: o.incarnation,
      logger: o.logger,
    });
    parts.set(p, part);
    return part;
  };
  if (!routed) await open(0, o.windows.partitions);

  const decodeDirect = (env: Envelope): Input | undefined => {
    const { partition, offset } = env.message;
    if (BigInt(offset) < (parts.get(0)!.offsets.get(partition) ?? 0n)) {
      aggregatorEvents.inc({ outcome: "replayed" });
      return undefined; // already in the checkpointed state
    }
    const r = parseMessage(env.message.value, ClassifiedPost, "post");
    if ("invalid" in r) {
      aggregatorEvents.inc({ outcome: "invalid" });
      return undefined;
    }
    const ev = windowEvent(r, partition, o.keywordOptions);
    return { n: o.windows.partitions, events: [{ sp: partition, so: Number(offset), ev, raw: r }] };
  };
  const decodeRouted = (env: Envelope): Input | undefined => {
    const b = routedEvents(env.message.value);
    if (!b) aggregatorEvents.inc({ outcome: "invalid" });
    return b && { n: b.n, events: b.e.map(toSourced) };
  };

  return createBatchWorker<Input>({
    decode: routed ? decodeRouted : decodeDirect,
    handle: async (items) => {
      const byPart = new Map<number, Input[]>();
      for (const { value, env } of items) {
        const p = routed ? env.message.partition : 0;
        byPart.get(p)?.push(value) ?? byPart.set(p, [value]);
      }
      if (routed) {
        // A partition this member had before a rebalance may have moved on elsewhere meanwhile.
        const saved = await o.store.seqs([...byPart.keys()].map(nameOf));
        for (const [p, inputs] of byPart) {
          const part = parts.get(p);
          if (!part || (saved.get(part.name) ?? 0) !== part.seq) await open(p, inputs[0].n);
        }
      }
      for (const [p, inputs] of byPart) await handlePart(o, p, parts.get(p)!, inputs);
    },
    sizing: { batchSize: o.batchSize, flushMs: o.flushMs },
    defaults: { capacity: 20_000, batchSize: 2_000, flushMs: 200 },
  });
}

async function handlePart(o: AggregatorOptions, p: number, part: Part, inputs: Input[]) {
  const raw: ClassifiedPost[] = [];
  /** Each raw post's hour in the lake (event time, or receive time for a future post). */
  const lakeAt = new Map<ClassifiedPost, number>();
  for (const input of inputs) {
    for (const s of input.events) {
      if (!admit(part, s.sp, s.so)) {
        if (s.raw) aggregatorEvents.inc({ outcome: "replayed" });
        continue;
      }
      const outcome = part.windows.add(s.ev);
      if (!s.raw) continue; // the post's owner partition counts it and files it
      aggregatorEvents.inc({ outcome });
      // The lake keeps every post once: late and future ones too, duplicates not. A future
      // post goes under its receive hour: a far-future hour would outlive retention.
      if (outcome !== "duplicate") {
        raw.push(s.raw);
        lakeAt.set(s.raw, outcome === "future" ? Math.floor(s.raw.time_us / 1000) : s.ev.time);
      }
    }
  }
  const closed = part.windows.closeReady();
  const scores = closed.map((w) => part.detector.score(withoutAll(w)));
  const seq = part.seq + 1;
  // The lake's objects are named by the checkpoint this batch is about to save.
  await part.lake.append("posts", raw, (x) => lakeAt.get(x)!, seq);
  await part.lake.append("windows", closed.map(lakeRecord), (w) => w.start, seq);
  if (closed.length) await part.lake.prune(closed.at(-1)!.end);
  o.beforeCheckpoint?.();
  const changes = part.windows.takeChanges();
  const merged = await o.store.save(part.name, closed, {
    offsets: Object.fromEntries([...part.offsets].map(([sp, off]) => [String(sp), String(off)])),
    incarnation: o.incarnation,
    meta: () => ({ windows: part.windows.meta(), lake: part.lake.sizes, seq } satisfies PartMeta),
    state: part.detectorChanged || closed.length
      ? { detector: part.detector.toJSON() } satisfies DetectorState
      : undefined,
    deltas: changes.deltas,
    seq,
    dropped: changes.dropped,
  }, {
    agg: o.name,
    parts: o.keywordPartitions || 1,
    part: p,
    scores,
    merge: (state, windows) => merge(o, part, state, windows),
    publish: (m) => publish(o, part, seq, m.flatMap((x) => x.alerts)),
  });
  part.seq = seq;
  part.detectorChanged = false;
  const last = merged.at(-1);
  if (last) {
    await o.cache.put(
      {
        windowStart: last.windowStart,
        windowEnd: last.windowEnd,
        trends: last.trends,
        rising: last.rising,
      },
      3 * o.windows.slideMs,
    ).catch((err) => o.logger.warn("trend cache not updated", { err }));
  }
  for (const a of merged.flatMap((m) => m.alerts)) {
    o.logger.info("trend alert", { keyword: a.keyword, kind: a.kind, rank: a.rank, z: a.zScore });
  }
}

function merge(o: AggregatorOptions, part: Part, state: unknown, windows: SlideScores[][]) {
  // A direct aggregator's first merge picks up the cooldowns its detector saved before merges.
  const snap = state ?? (o.keywordPartitions ? undefined : part.detector.toJSON().lastAlert);
  const m = TrendMerger.fromJSON(o.detect.cooldownMs, snap as never);
  const merged: Merged[] = windows.map((w) => m.merge(w));
  return { state: m.toJSON(), merged };
}

/** In the saving transaction: alerts to the merging partition's lake, and to the topic. */
async function publish(o: AggregatorOptions, part: Part, seq: number, alerts: TrendAlert[]) {
  await part.lake.append("alerts", alerts, (a) => a.windowEnd, seq);
  if (alerts.length) {
    // At least once on the topic (key keyword|window_end); exactly once in trend_alerts.
    await o.producer.send(
      o.alertTopic,
      alerts.map((a) => ({ key: `${a.keyword}|${a.windowEnd}`, value: JSON.stringify(a) })),
    );
  }
}

/** The window without `ALL_POSTS`: what the detector sees. */
export function withoutAll(w: ClosedWindow): ClosedWindow {
  if (!w.keywords.has(ALL_POSTS)) return w;
  const keywords = new Map(w.keywords);
  keywords.delete(ALL_POSTS);
  if (!w.slice) return { ...w, keywords };
  const authors = new Map(w.slice.authors);
  authors.delete(ALL_POSTS);
  return { ...w, keywords, slice: { ...w.slice, authors } };
}

function lakeRecord(w: ClosedWindow) {
  return {
    start: w.start,
    end: w.end,
    // Sorted (count, then keyword) so the file does not depend on the order posts arrived in.
    keywords: [...w.keywords].sort(([ka, a], [kb, b]) => b.count - a.count || (ka < kb ? -1 : 1))
      .map(([k, a]) => ({
        keyword: k,
        count: a.count,
        uniqueAuthors: a.uniqueAuthors,
        sentimentMean: a.sentimentSum / a.count,
      })),
  };
}
