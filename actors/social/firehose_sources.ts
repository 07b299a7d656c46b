/**
 * Where firehose frames come from: a Jetstream WebSocket (with `wantedCollections` and the
 * `cursor` query parameter), or a replay of an NDJSON file of Jetstream events for development
 * and tests (honouring the cursor too, at a configurable rate, optionally looping with fresh
 * times and keys so a dashboard keeps moving).
 */
import { UpstreamError } from "../../lib/errors.ts";
import { delay } from "../../lib/retry.ts";

export interface FrameSource {
  readonly kind: "jetstream" | "replay";
  /** Frames after `cursorUs` (all when null); ends when the connection or file ends. */
  open(cursorUs: number | null, signal: AbortSignal): AsyncIterable<string>;
  /** Why this side ended the last connection (a stall, a full queue), if it did. */
  readonly lastCloseReason?: string | null;
}

export interface JetstreamOptions {
  /**
   * Frames received but not yet read, at most; past it the connection is closed (the queued frames
   * are still read) and the reader reconnects from its cursor. A WebSocket cannot push back, so
   * this bounds memory when the broker is slower than the firehose. Default 50_000.
   */
  maxQueued?: number;
  /** A connection silent this long (a half-open socket) is closed to reconnect. Default 60_000. */
  idleTimeoutMs?: number;
}

export class JetstreamSource implements FrameSource {
  readonly kind = "jetstream" as const;
  /** Why the last connection was closed from this side, if it was. */
  lastCloseReason: string | null = null;
  constructor(readonly url: string, readonly options: JetstreamOptions = {}) {}

  async *open(cursorUs: number | null, signal: AbortSignal): AsyncIterable<string> {
    const u = new URL(this.url);
    u.searchParams.set("wantedCollections", "app.bsky.feed.post");
    if (cursorUs !== null) u.searchParams.set("cursor", String(cursorUs));
    const ws = new WebSocket(u);
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    let closed = false;
    let opened = false;
    let failure: Error | null = null;
    const maxQueued = this.options.maxQueued ?? 50_000;
    const idleMs = this.options.idleTimeoutMs ?? 60_000;
    this.lastCloseReason = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const giveUp = (reason: string) => {
      if (this.lastCloseReason !== null) return;
      this.lastCloseReason = reason;
      ws.close();
    };
    let idle = setTimeout(() => giveUp(`no frame for ${idleMs} ms`), idleMs);
    ws.onopen = () => (opened = true);
    ws.onmessage = (e) => {
      if (this.lastCloseReason !== null) return; // closing: the cursor brings these back
      clearTimeout(idle);
      idle = setTimeout(() => giveUp(`no frame for ${idleMs} ms`), idleMs);
      queue.push(typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data));
      if (queue.length >= maxQueued) giveUp(`${maxQueued} frames queued unread`);
      notify();
    };
    ws.onerror = (e) => {
      failure = new UpstreamError(
        "JETSTREAM_ERROR",
        `Jetstream connection failed: ${(e as ErrorEvent).message ?? "error"}`,
      );
    };
    ws.onclose = () => {
      closed = true;
      notify();
    };
    const onAbort = () => ws.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (true) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (closed) break;
        await new Promise<void>((r) => (wake = r));
      }
      if (!opened && failure) throw failure;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", onAbort);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    }
  }
}

export interface ReplayOptions {
  /** Events per second; 0 replays as fast as possible. */
  rate: number;
  /**
   * Replay forever. Each event is stamped with the wall-clock time it is emitted at (event time
   * follows the clock, so windows close as they would on the live firehose and nothing is late),
   * and its rkey gets a suffix unique to this run and round, so a restarted dev process adds new
   * posts instead of repeating the last run's URIs.
   */
  loop?: boolean;
  /** The clock, in ms (tests). Default Date.now. */
  now?: () => number;
}

export class ReplaySource implements FrameSource {
  readonly kind = "replay" as const;
  #round = 0;
  constructor(readonly path: string, readonly options: ReplayOptions) {}

  async *open(cursorUs: number | null, signal: AbortSignal): AsyncIterable<string> {
    const lines = (await Deno.readTextFile(this.path)).split("\n").filter((l) => l.trim());
    const gapMs = this.options.rate > 0 ? 1000 / this.options.rate : 0;
    const now = this.options.now ?? Date.now;
    const run = now().toString(36);
    let lastUs = 0;
    do {
      const round = this.#round++;
      for (const line of lines) {
        if (signal.aborted) return;
        if (!this.options.loop) {
          const t = timeOf(line);
          if (cursorUs !== null && t !== null && t <= cursorUs) continue;
        }
        if (gapMs > 0) await delay(gapMs, signal).catch(() => {});
        if (signal.aborted) return;
        if (!this.options.loop) {
          yield line;
          continue;
        }
        if (!burstActive(line, round)) continue;
        // Strictly increasing microseconds: a cursor taken from them never skips a sibling.
        lastUs = Math.max(lastUs + 1, Math.round(now() * 1000));
        yield restamp(line, lastUs, `r${run}${round}`);
      }
    } while (this.options.loop && !signal.aborted);
  }
}

/** Rounds in a block of the looping replay: one burst group (or none) per block. */
export const BURST_BLOCK_ROUNDS = 4;

/**
 * A sample line marked `"burst": g` (one of the sample's burst groups) is replayed only in the
 * blocks of rounds given to group g. Block 0 has no burst (the baseline warms up first), block 1
 * plays group 0 (the demo trends within minutes); later blocks get a group, or none, by a hash of the block number, so a group's bursts start at
 * irregular intervals, as real ones do, instead of every cycle. Unmarked lines always play.
 */
function burstActive(line: string, round: number): boolean {
  const m = /"burst"\s*:\s*(\d+)/.exec(line);
  if (!m) return true;
  const block = Math.floor(round / BURST_BLOCK_ROUNDS);
  if (block === 0) return false;
  if (block === 1) return m[1] === "0";
  const h = Math.imul(block ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return h % 4 === Number(m[1]);
}

/** A looping replay's event: time moved to `timeUs`, rkey made unique with `suffix`. */
function restamp(line: string, timeUs: number, suffix: string): string {
  try {
    const ev = JSON.parse(line);
    if (typeof ev.time_us !== "number") return line;
    ev.time_us = timeUs;
    delete ev.burst;
    if (ev.commit?.rkey) ev.commit.rkey = `${ev.commit.rkey}${suffix}`;
    if (ev.commit?.record?.createdAt) {
      ev.commit.record.createdAt = new Date(timeUs / 1000).toISOString();
    }
    return JSON.stringify(ev);
  } catch {
    return line; // malformed on purpose: replayed as is
  }
}

function timeOf(line: string): number | null {
  const m = /"time_us"\s*:\s*(\d+)/.exec(line);
  return m ? Number(m[1]) : null;
}
