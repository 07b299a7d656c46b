/**
 * A worker of the near-duplicate bench's fill: stores originals `e<from>` … `e<to - 1>` through
 * the index's own bulk write (`addOriginals`), computing the next chunk's signatures while one is
 * in flight. Several run at once, as computing signatures and gists (about 65 µs a text) is most
 * of a fill's cost. Message in: `{ url, prefix, ttlS, from, to }`; out: `{ ok: true }` or
 * `{ error }`.
 */
import { NearDupIndex } from "../actors/finance/mod.ts";
import { headline } from "./_headlines.ts";

const CHUNK = 1_000;

interface FillJob {
  url: string;
  prefix: string;
  ttlS: number;
  from: number;
  to: number;
}

async function fill(job: FillJob): Promise<void> {
  const ix = new NearDupIndex({
    url: job.url,
    prefix: job.prefix,
    ttlS: job.ttlS,
    commandTimeoutMs: 30_000,
  });
  try {
    let inFlight: Promise<void> = Promise.resolve();
    for (let i = job.from; i < job.to; i += CHUNK) {
      const items = Array.from({ length: Math.min(CHUNK, job.to - i) }, (_, k) => ({
        id: `e${i + k}`,
        probe: ix.probe(headline(i + k)),
      }));
      await inFlight;
      inFlight = ix.addOriginals(items);
    }
    await inFlight;
  } finally {
    await ix.close();
  }
}

/** This module runs as a worker; the default lib types `self` as a window. */
const scope = self as unknown as {
  onmessage: (e: MessageEvent<FillJob>) => void;
  postMessage: (m: unknown) => void;
};

scope.onmessage = async (e) => {
  try {
    await fill(e.data);
    scope.postMessage({ ok: true });
  } catch (err) {
    scope.postMessage({ error: String(err) });
  }
};
