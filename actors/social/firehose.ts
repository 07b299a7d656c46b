/**
 * The firehose reader: frames from a Jetstream WebSocket (or a replay file) become `PostData`
 * on `posts-raw`, keyed by author DID. Posts are sent in batches; the cursor (`time_us`) is
 * saved only after the broker acked the batch containing it, and a (re)connect resumes from the
 * saved cursor minus `rewindUs`, so nothing is skipped (the overlap is absorbed by idempotent
 * writes downstream). Deletes, other collections and malformed frames are counted and skipped
 * (malformed ones logged with a sample); reconnects back off exponentially with jitter.
 *
 * Sends are cut under the topic's size limit by the producer; a post too large for the topic on
 * its own is skipped and counted (`oversize`), never a reason to reconnect. A send that fails
 * otherwise (the broker away) ends the connection before the cursor can pass it, and raises the
 * `firehose` condition (`/ready` answers 503 with it) until a send succeeds again.
 */
import { errorMessage } from "../../lib/errors.ts";
import { clearCondition, raiseCondition } from "../../lib/health.ts";
import { RepeatLimiter } from "../../lib/log.ts";
import type { Logger } from "../../lib/log.ts";
import { firehoseEvents, firehoseSendFailures } from "../../lib/metrics.ts";
import { backoffDelay, delay } from "../../lib/retry.ts";
import type { PostData } from "../../schemas/social.ts";
import type { CursorStore } from "./cursor_store.ts";
import { sendOrRefuse } from "../../transport/mod.ts";
import type { Producer } from "../../transport/mod.ts";
import type { FrameSource } from "./firehose_sources.ts";
import { parseFrame } from "./jetstream.ts";
import type { ChildHandle } from "../../runtime/supervisor.ts";
import { taskHandle } from "../../runtime/children.ts";

export interface FirehoseOptions {
  source: FrameSource;
  producer: Producer;
  topic: string;
  cursors: CursorStore;
  /** Cursor name: one per reader. */
  name: string;
  /** How far before the saved cursor a reconnect resumes, in µs. */
  rewindUs: number;
  batchSize: number;
  flushMs: number;
  logger: Logger;
  /** First reconnect delay in ms (doubling, with jitter, up to 30 s). */
  reconnectMs?: number;
}

export interface FirehoseStatus {
  source: string;
  state: "connecting" | "connected" | "disconnected" | "finished";
  since: string;
  cursorUs: number | null;
  lastEventUs: number | null;
  lagSeconds: number | null;
  reconnects: number;
  counts: Record<"post" | "delete" | "skipped" | "malformed" | "invalid" | "oversize", number>;
  lastError: string | null;
  /** Sends to the topic that failed (each ended the connection), since start. */
  sendFailures: number;
}

/** The `/ready` condition a failing send raises. */
const SEND_CONDITION = "firehose";

export function startFirehose(o: FirehoseOptions): ChildHandle<FirehoseStatus> {
  const status: FirehoseStatus = {
    source: o.source.kind,
    state: "connecting",
    since: new Date().toISOString(),
    cursorUs: null,
    lastEventUs: null,
    lagSeconds: null,
    reconnects: 0,
    counts: { post: 0, delete: 0, skipped: 0, malformed: 0, invalid: 0, oversize: 0 },
    lastError: null,
    sendFailures: 0,
  };
  const repeats = new RepeatLimiter({ burst: 5 });
  const stop = new AbortController();
  let buffer: PostData[] = [];
  let pendingUs: number | null = null;
  let chain: Promise<void> = Promise.resolve();
  /** A failed send ends the connection: reading on would move the cursor past a gap. */
  let failed: unknown = null;
  const setState = (s: FirehoseStatus["state"]) => {
    if (status.state !== s) status.since = new Date().toISOString();
    status.state = s;
  };

  /** Sends the buffered posts, then saves the cursor they reach. Serialised. */
  const flush = () => {
    chain = chain.then(async () => {
      const posts = buffer;
      const upTo = pendingUs;
      buffer = [];
      if (upTo === null) return;
      try {
        if (posts.length > 0) {
          const records = posts.map((p) => ({ key: p.did, value: JSON.stringify(p) }));
          skipOversize(posts, await sendOrRefuse(o.producer, o.topic, records));
        }
        clearCondition(SEND_CONDITION);
        await o.cursors.set(o.name, upTo);
        if (pendingUs === upTo) pendingUs = null;
        status.cursorUs = upTo;
      } catch (err) {
        // Not acked: the cursor stays where it was, and the reconnect reads these again.
        buffer = [];
        pendingUs = null;
        failed = err;
        status.sendFailures++;
        firehoseSendFailures.inc();
        raiseCondition(SEND_CONDITION, `sending posts to ${o.topic} failed: ${errorMessage(err)}`);
        throw err;
      }
    });
    return chain;
  };

  /** Posts too large for the topic are not sent: counted, and logged (rate-limited). */
  const skipOversize = (posts: PostData[], r: Awaited<ReturnType<typeof sendOrRefuse>>) => {
    for (const { index, bytes } of r.refused) {
      status.counts.oversize++;
      firehoseEvents.inc({ kind: "oversize" });
      const verdict = repeats.check("oversize");
      if (!verdict.log) continue;
      o.logger.warn("post too large for the topic skipped", {
        uri: posts[index].uri,
        bytes,
        limit: r.limit,
        ...(verdict.suppressed > 0 ? { suppressed: verdict.suppressed } : {}),
      });
    }
  };

  const onFrame = (frame: string) => {
    const r = parseFrame(frame);
    status.counts[r.kind]++;
    firehoseEvents.inc({ kind: r.kind });
    if (r.kind === "malformed" || r.kind === "invalid") {
      if (status.counts[r.kind] <= 5 || status.counts[r.kind] % 1000 === 0) {
        o.logger.warn(`${r.kind} frame skipped`, { reason: r.reason, sample: frame.slice(0, 200) });
      }
    }
    if (r.kind === "post") buffer.push(r.post);
    if (r.timeUs !== null) {
      pendingUs = Math.max(pendingUs ?? 0, r.timeUs);
      status.lastEventUs = r.timeUs;
      status.lagSeconds = Math.max(0, (Date.now() * 1000 - r.timeUs) / 1e6);
    }
  };

  const run = async () => {
    let attempt = 0;
    const timer = setInterval(() => {
      if (buffer.length > 0 || pendingUs !== null) flush().catch(() => {});
    }, o.flushMs);
    try {
      while (!stop.signal.aborted) {
        try {
          failed = null;
          buffer = [];
          pendingUs = null;
          const saved = await o.cursors.get(o.name);
          const resume = saved === null ? null : Math.max(0, saved - o.rewindUs);
          status.cursorUs = saved;
          setState("connecting");
          o.logger.info("firehose connecting", { source: o.source.kind, cursor: resume });
          for await (const frame of o.source.open(resume, stop.signal)) {
            if (status.state !== "connected") setState("connected");
            attempt = 0;
            if (failed) throw failed;
            onFrame(frame);
            if (buffer.length >= o.batchSize) await flush();
          }
          await flush();
          if (o.source.kind === "replay" || stop.signal.aborted) break;
          status.lastError = o.source.lastCloseReason ?? "connection closed";
        } catch (err) {
          status.lastError = errorMessage(err);
          o.logger.warn("firehose disconnected", { err });
          await chain.catch(() => {});
          chain = Promise.resolve();
        }
        if (stop.signal.aborted) break;
        setState("disconnected");
        status.reconnects++;
        const wait = backoffDelay(attempt++, { initialMs: o.reconnectMs ?? 500, maxMs: 30_000 });
        o.logger.info("firehose reconnecting", { delayMs: wait, reconnects: status.reconnects });
        await delay(wait, stop.signal).catch(() => {});
      }
      await flush().catch((err) => o.logger.warn("last flush failed", { err }));
    } finally {
      clearInterval(timer);
      setState("finished");
      o.logger.info("firehose stopped", { ...status.counts });
    }
  };

  return taskHandle(run(), stop, status);
}
