/**
 * The aggregator's state for one partition of its input: windows, detector, lake and the
 * source offsets they reflect, resumed from (and saved to) the partition's own checkpoint. A
 * direct aggregator has one, named `AGG_NAME`; a scaled-out one has one per partition of
 * `trend-keywords` it is assigned, named `AGG_NAME-p<partition>`, which any member of the group
 * can resume.
 */
import type { Logger } from "../../lib/log.ts";
import { TrendDetector } from "./detect.ts";
import type { DetectConfig } from "./detect.ts";
import type { Lake } from "./lake.ts";
import type { TrendStore } from "./store.ts";
import { WindowState } from "./windows.ts";
import type { WindowConfig, WindowMeta } from "./windows.ts";

/** A checkpoint written before incremental saves: everything in `state`. */
interface LegacyState {
  windows: ReturnType<WindowState["toJSON"]>;
  detector: ReturnType<TrendDetector["toJSON"]>;
  lake: Record<string, number>;
}

export interface PartMeta {
  windows: WindowMeta;
  lake: Record<string, number>;
  /** The last saved batch's sequence number (orders the pane deltas; fences stale members). */
  seq: number;
}

export interface DetectorState {
  detector: ReturnType<TrendDetector["toJSON"]>;
}

export interface PartOptions {
  name: string;
  store: TrendStore;
  /** The windows; `partitions` is the source's (`posts-classified`) partition count. */
  windows: WindowConfig;
  detect: DetectConfig;
  lake: Lake;
  /** The broker's incarnation (`Admin.incarnation()`): offsets saved under another are void. */
  incarnation: string;
  logger: Logger;
}

export interface Part {
  name: string;
  windows: WindowState;
  detector: TrendDetector;
  lake: Lake;
  /** Per source partition, the next offset this state has not counted. */
  offsets: Map<number, bigint>;
  seq: number;
  /** The detector must be saved with the next batch (first save, or a legacy checkpoint). */
  detectorChanged: boolean;
}

export async function resumePart(o: PartOptions): Promise<Part> {
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
    const meta = cp.meta as PartMeta;
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
      name: o.name,
      checkpointIncarnation: cp.incarnation,
      incarnation: o.incarnation,
    });
  }
  const offsets = new Map<number, bigint>(
    sameBroker ? Object.entries(cp.offsets).map(([p, off]) => [Number(p), BigInt(off)]) : [],
  );
  await o.lake.recover(lake, seq);
  o.logger.info("aggregator resumed", {
    name: o.name,
    checkpoint: cp !== null,
    offsets: Object.fromEntries(offsets),
  });
  return {
    name: o.name,
    windows,
    detector,
    lake: o.lake,
    offsets,
    seq,
    detectorChanged: rewriteAll || cp === null,
  };
}

/** True when source message (sp, so) is not in the state yet; it then counts as in it. */
export function admit(part: Part, sp: number, so: number): boolean {
  const off = BigInt(so);
  if (off < (part.offsets.get(sp) ?? 0n)) return false;
  part.offsets.set(sp, off + 1n);
  return true;
}
