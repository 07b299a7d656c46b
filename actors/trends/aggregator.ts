/**
 * The aggregator: an actor fed by one consumer of `posts-classified`. Per batch it adds the
 * posts' keywords to hopping windows, closes the windows the watermark has passed, detects
 * trends and alerts, appends raw posts and closed windows to the data lake, publishes alerts to
 * `trend-alerts`, then saves the closed windows, the alerts and a checkpoint in one PostgreSQL
 * transaction, and only then acks. The checkpoint is incremental: a batch saves only the events
 * it added (per pane), the small window bookkeeping, lake file sizes and the per-partition
 * offsets they reflect; the detector is rewritten only when windows close. Offsets are kept with
 * the broker incarnation they came from: after a broker reset (a new in-memory broker in
 * `deno task dev`, a re-formatted Kafka) they are void, and every message is new. Kafka commits trail the checkpoint; after a crash the
 * messages below the checkpoint's offsets are skipped, so a run with crashes produces exactly
 * the windows and alerts of an uninterrupted one. The current trends go to the cache.
 *
 * Each post is counted, late, future (event time more than `windows.maxSkewMs` ahead of
 * Jetstream's receive time: dropped without moving the watermark) or a duplicate (the URI of a
 * post still in an open pane, as after a firehose rewind or a classifier replay: dropped, from
 * the lake too).
 */
import type { Logger } from "../../lib/log.ts";
import { aggregatorEvents } from "../../lib/metrics.ts";
import { ClassifiedPost, parseMessage } from "../../schemas/mod.ts";
import type { Trend, TrendAlert } from "../../schemas/trends.ts";
import type { Envelope, Producer } from "../../transport/mod.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import type { TrendCache } from "./cache.ts";
import { TrendDetector } from "./detect.ts";
import type { DetectConfig } from "./detect.ts";
import { textFingerprint } from "./_pane.ts";
import { keywords } from "./keywords.ts";
import type { KeywordOptions } from "./keywords.ts";
import type { Lake } from "./lake.ts";
import type { TrendStore } from "./store.ts";
import { WindowState } from "./windows.ts";
import type { ClosedWindow, WindowConfig, WindowEvent, WindowMeta } from "./windows.ts";

export interface AggregatorOptions {
  name: string;
  store: TrendStore;
  windows: WindowConfig;
  detect: DetectConfig;
  keywordOptions: KeywordOptions;
  producer: Producer;
  alertTopic: string;
  cache: TrendCache;
  lake: Lake;
  /** The broker's incarnation (`Admin.incarnation()`): offsets saved under another are void. */
  incarnation: string;
  logger: Logger;
  batchSize?: number;
  flushMs?: number;
  /** Test hook: runs after the lake append, before the checkpoint commits. */
  beforeCheckpoint?: () => void;
}

/** A checkpoint written before incremental saves: everything in `state`. */
interface LegacyState {
  windows: ReturnType<WindowState["toJSON"]>;
  detector: ReturnType<TrendDetector["toJSON"]>;
  lake: Record<string, number>;
}

interface Meta {
  windows: WindowMeta;
  lake: Record<string, number>;
  /** The last saved batch's sequence number (orders the pane deltas). */
  seq: number;
}

interface DetectorState {
  detector: ReturnType<TrendDetector["toJSON"]>;
}

/** The keyword standing for every post: volume and sentiment over time. */
export const ALL_POSTS = "*";

async function resume(o: AggregatorOptions) {
  const cp = await o.store.loadCheckpoint(o.name);
  let windows: WindowState, detector: TrendDetector, lake: Record<string, number>, seq = 0;
  let rewriteAll = false;
  if (cp === null) {
    windows = new WindowState(o.windows);
    detector = new TrendDetector(o.detect);
    lake = {};
  } else if (cp.meta === null) {
    const legacy = cp.state as LegacyState;
    windows = WindowState.fromJSON(o.windows, legacy.windows);
    detector = TrendDetector.fromJSON(o.detect, legacy.detector);
    lake = legacy.lake;
    windows.markAllChanged();
    rewriteAll = true;
  } else {
    const meta = cp.meta as Meta;
    windows = WindowState.restore(o.windows, meta.windows, cp.panes as never);
    detector = TrendDetector.fromJSON(o.detect, (cp.state as DetectorState).detector);
    lake = meta.lake;
    seq = meta.seq;
  }
  // A checkpoint from before incarnations were kept is trusted on Kafka (it outlives restarts),
  // never on an in-memory broker (which did not).
  const sameBroker = cp !== null &&
    (cp.incarnation === o.incarnation ||
      (cp.incarnation === null && !o.incarnation.startsWith("memory:")));
  if (cp !== null && !sameBroker) {
    o.logger.warn("the broker was reset since the checkpoint: its offsets are void", {
      checkpointIncarnation: cp.incarnation,
      incarnation: o.incarnation,
    });
  }
  const offsets = new Map<number, bigint>(
    sameBroker ? Object.entries(cp.offsets).map(([p, off]) => [Number(p), BigInt(off)]) : [],
  );
  return { found: cp !== null, windows, detector, lake, seq, offsets, rewriteAll };
}

export async function createAggregator(o: AggregatorOptions): Promise<Actor<Envelope>> {
  const r = await resume(o);
  const { windows, detector, offsets } = r;
  let seq = r.seq;
  let detectorChanged = r.rewriteAll || !r.found;
  await o.lake.recover(r.lake, r.seq);
  o.logger.info("aggregator resumed", {
    checkpoint: r.found,
    offsets: Object.fromEntries(offsets),
  });

  return createBatchWorker<ClassifiedPost>({
    // Invalid posts are counted, not dead-lettered; posts below the checkpoint are only acked.
    decode: (env) => {
      const { partition, offset } = env.message;
      const off = BigInt(offset);
      if (off < (offsets.get(partition) ?? 0n)) {
        aggregatorEvents.inc({ outcome: "replayed" });
        return undefined; // already in the checkpointed state
      }
      offsets.set(partition, off + 1n);
      const r = parseMessage(env.message.value, ClassifiedPost, "post");
      if ("invalid" in r) {
        aggregatorEvents.inc({ outcome: "invalid" });
        return undefined;
      }
      return r;
    },
    handle: async (items) => {
      const raw: ClassifiedPost[] = [];
      /** Each raw post's hour in the lake (event time, or receive time for a future post). */
      const lakeAt = new Map<ClassifiedPost, number>();
      for (const { value: r, env } of items) {
        const e = windowEvent(r, env.message.partition, o.keywordOptions);
        const time = e.time;
        const outcome = windows.add(e);
        aggregatorEvents.inc({ outcome });
        // The lake keeps every post once: late and future ones too, duplicates not. A future
        // post goes under its receive hour: a far-future hour would outlive retention.
        if (outcome !== "duplicate") {
          raw.push(r);
          lakeAt.set(r, outcome === "future" ? Math.floor(r.time_us / 1000) : time);
        }
      }
      const closed = windows.closeReady();
      const trends: Trend[][] = [];
      const rising: Trend[][] = [];
      const alerts: TrendAlert[] = [];
      for (const w of closed) {
        const r = detector.onClose(withoutAll(w));
        trends.push(r.trends);
        rising.push(r.rising);
        alerts.push(...r.alerts);
      }
      // The lake's objects are named by the checkpoint this batch is about to save (seq + 1).
      await o.lake.append("posts", raw, (p) => lakeAt.get(p)!, seq + 1);
      await o.lake.append("windows", closed.map(lakeRecord), (w) => w.start, seq + 1);
      await o.lake.append("alerts", alerts, (a) => a.windowEnd, seq + 1);
      if (closed.length) await o.lake.prune(closed.at(-1)!.end);
      if (alerts.length) {
        // At least once on the topic (key keyword|window_end); exactly once in trend_alerts.
        await o.producer.send(
          o.alertTopic,
          alerts.map((a) => ({ key: `${a.keyword}|${a.windowEnd}`, value: JSON.stringify(a) })),
        );
      }
      o.beforeCheckpoint?.();
      const changes = windows.takeChanges();
      seq++;
      await o.store.save(o.name, closed, alerts, {
        offsets: Object.fromEntries([...offsets].map(([p, off]) => [String(p), String(off)])),
        incarnation: o.incarnation,
        meta: { windows: windows.meta(), lake: o.lake.sizes, seq } satisfies Meta,
        state: detectorChanged || closed.length
          ? { detector: detector.toJSON() } satisfies DetectorState
          : undefined,
        deltas: changes.deltas,
        seq,
        dropped: changes.dropped,
      });
      detectorChanged = false;
      if (closed.length) {
        const last = closed.at(-1)!;
        await o.cache.put(
          {
            windowStart: last.start,
            windowEnd: last.end,
            trends: trends.at(-1)!,
            rising: rising.at(-1)!,
          },
          3 * o.windows.slideMs,
        ).catch((err) => o.logger.warn("trend cache not updated", { err }));
      }
      for (const a of alerts) {
        o.logger.info("trend alert", {
          keyword: a.keyword,
          kind: a.kind,
          rank: a.rank,
          z: a.zScore,
        });
      }
    },
    sizing: { batchSize: o.batchSize, flushMs: o.flushMs },
    defaults: { capacity: 20_000, batchSize: 2_000, flushMs: 200 },
  });
}

/** The fields of a post that trends use. */
export type TrendPost = Pick<
  ClassifiedPost,
  "uri" | "did" | "text" | "hashtags" | "langs" | "created_at" | "time_us" | "score"
>;

/** A post as the windows count it: its keywords (in its own languages) and `ALL_POSTS`. */
export function windowEvent(r: TrendPost, partition: number, ko: KeywordOptions): WindowEvent {
  return {
    partition,
    time: Date.parse(r.created_at),
    receivedAt: r.time_us / 1000,
    author: r.did,
    uri: r.uri,
    keywords: [ALL_POSTS, ...keywords(r.text, r.hashtags, { ...ko, langs: r.langs })],
    text: textFingerprint(r.text),
    score: r.score,
  };
}

/** The window without `ALL_POSTS`: what the detector sees. */
export function withoutAll(w: ClosedWindow): ClosedWindow {
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
        uniqueAuthors: a.authors.length,
        sentimentMean: a.sentimentSum / a.count,
      })),
  };
}
