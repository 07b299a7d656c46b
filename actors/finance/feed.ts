/**
 * The market feed: provider payloads of every source that has a secret (`feed_payloads.ts`),
 * at `rate` per second in turn, each signed and POSTed to the ingest role's webhook. A refused
 * or failed post is logged and counted; the feed goes on (in `all` the ingest server may not
 * listen yet).
 */
import { errorMessage } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { delay } from "../../lib/retry.ts";
import type { FinanceSource } from "../../schemas/finance.ts";
import { taskHandle } from "../../runtime/children.ts";
import type { ChildHandle } from "../../runtime/supervisor.ts";
import { providerPayload } from "./feed_payloads.ts";
import { signatureHeaders } from "./signature.ts";

export interface MarketFeedOptions {
  /** The ingest server's address (read before each post). */
  url: () => string;
  secrets: Partial<Record<FinanceSource, string>>;
  /** Events per second over all sources. */
  rate: number;
  /** Stop after this many posts. */
  count?: number;
  logger: Logger;
}

export interface FeedStats {
  accepted: number;
  failed: number;
}

/** POSTs one signed payload; the answer's status, or throws when there is none. */
export async function postSigned(
  url: string,
  source: FinanceSource,
  secret: string,
  body: string,
  signal?: AbortSignal,
): Promise<Response> {
  return await fetch(`${url}/webhooks/${source}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signatureHeaders(secret, body) },
    body,
    signal,
  });
}

export function startMarketFeed(o: MarketFeedOptions): ChildHandle<FeedStats> {
  if (!(o.rate > 0)) throw new RangeError(`Feed rate must be positive, got ${o.rate}`);
  const stats: FeedStats = { accepted: 0, failed: 0 };
  const stopping = new AbortController();
  const sources = Object.keys(o.secrets) as FinanceSource[];
  const run = async () => {
    if (sources.length === 0) {
      // Idle rather than finished: a role without work still runs until it is stopped.
      o.logger.warn("no source has a secret; the market feed has nothing to send");
      await new Promise((resolve) => stopping.signal.addEventListener("abort", resolve));
      return;
    }
    const started = performance.now();
    let sent = 0;
    while (!stopping.signal.aborted && (o.count === undefined || sent < o.count)) {
      const source = sources[sent % sources.length];
      const body = JSON.stringify(providerPayload(source));
      try {
        const res = await postSigned(o.url(), source, o.secrets[source]!, body, stopping.signal);
        const answer = await res.text();
        if (res.status === 202) stats.accepted++;
        else {
          stats.failed++;
          o.logger.warn("feed event refused", { source, status: res.status, answer });
        }
      } catch (err) {
        if (stopping.signal.aborted) break;
        stats.failed++;
        o.logger.warn("feed event not delivered", { source, reason: errorMessage(err) });
      }
      sent++;
      const wait = started + (sent / o.rate) * 1000 - performance.now();
      if (wait > 0) await delay(wait, stopping.signal).catch(() => {});
    }
    o.logger.info("market feed finished", { ...stats, stopped: stopping.signal.aborted });
  };
  return taskHandle(run(), stopping, stats);
}
