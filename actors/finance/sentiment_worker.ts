/**
 * The sentiment worker: an actor fed by the `sentiment` group on `sentiment_analysis_topic`.
 * Per batch it validates each `FinanceEvent` (invalid → dead letter), checks the texts against
 * the near-duplicate index, classifies only the originals (and the "unchecked" ones when Redis is
 * away: nothing is lost, each is classified and marked), stores one `sentiment_results` row per
 * event, and only then acks, so the offset moves once the rows are stored. Events without text
 * (ticks, bars, releases) have nothing to analyse and are acked without a row.
 */
import client from "prom-client";
import type { Logger } from "../../lib/log.ts";
import { messagesWritten, registry } from "../../lib/metrics.ts";
import type { Actor } from "../../runtime/actor.ts";
import { createBatchWorker } from "../../runtime/batch_worker.ts";
import { decodeWith } from "../../schemas/mod.ts";
import { FinanceEvent } from "../../schemas/finance.ts";
import type { AnalyzeResult, DupCheck } from "../../schemas/finance.ts";
import type { DeadLetterQueue, Envelope } from "../../transport/mod.ts";
import type { FinanceAnalyzer } from "./analyze.ts";
import type { AnalyticsStore, SentimentRow } from "./analytics_store.ts";
import type { NearDupIndex, NearDupVerdict } from "./near_dup.ts";

export const nearDuplicates = new client.Counter({
  name: "sluice_near_duplicates_total",
  help: "Finance events found to repeat an earlier one (not classified again), by source",
  labelNames: ["source"],
  registers: [registry],
});

export const nearDupUnchecked = new client.Counter({
  name: "sluice_near_dup_unchecked_total",
  help: "Finance events classified without a near-duplicate check (the index was unreachable)",
  registers: [registry],
});

export const sentimentEndToEnd = new client.Histogram({
  name: "sluice_sentiment_end_to_end_seconds",
  help: "From an event's received_at to its sentiment_results row stored",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

export interface SentimentWorkerOptions {
  analyzer: FinanceAnalyzer;
  store: AnalyticsStore;
  /** Null disables the near-duplicate check (every event is "unchecked"). */
  nearDup: NearDupIndex | null;
  deadLetters: DeadLetterQueue;
  logger: Logger;
  /** Called with the stored rows (aggregates, alerts), after they are stored. */
  onStored?: (rows: SentimentRow[]) => Promise<void>;
  capacity?: number;
  batchSize?: number;
  flushMs?: number;
}

type WithText = FinanceEvent & { text: string };

export function createSentimentWorker(o: SentimentWorkerOptions): Actor<Envelope> {
  return createBatchWorker<FinanceEvent>({
    deadLetters: o.deadLetters,
    decode: decodeWith(FinanceEvent, "finance event"),
    handle: async (items, batch) => {
      const events = items.map((i) => i.value).filter((e): e is WithText => !!e.text?.trim());
      if (events.length > 0) {
        const verdicts = await checkDuplicates(o, events);
        const fresh = events.filter((_, n) => verdicts[n].check !== "duplicate");
        const results = await o.analyzer.analyze(
          fresh.map((e) => ({ id: e.event_id, text: e.text, symbols: e.symbols })),
          undefined,
          batch.stopping,
        );
        const byId = new Map(fresh.map((e, n) => [e.event_id, results[n]]));
        const rows = events.map((e, n) => toRow(e, verdicts[n], byId.get(e.event_id)));
        const added = await o.store.insertBatch(rows);
        messagesWritten.inc({ pipeline: "sentiment" }, added);
        const now = Date.now();
        for (const e of events) sentimentEndToEnd.observe((now - Date.parse(e.received_at)) / 1e3);
        await o.onStored?.(rows);
      }
    },
    sizing: o,
    defaults: { capacity: 10_000, batchSize: 500, flushMs: 20 },
  });
}

type Verdict = NearDupVerdict & { check: DupCheck };

async function checkDuplicates(o: SentimentWorkerOptions, events: WithText[]): Promise<Verdict[]> {
  const unchecked = (): Verdict[] =>
    events.map(() => ({ duplicateOf: null, similarity: null, check: "unchecked" }));
  if (!o.nearDup) return unchecked();
  try {
    const verdicts = await o.nearDup.checkAndAdd(
      events.map((e) => ({ id: e.event_id, text: e.text })),
    );
    return verdicts.map((v, n) => {
      if (v.duplicateOf === null) return { ...v, check: "original" };
      nearDuplicates.inc({ source: events[n].source });
      return { ...v, check: "duplicate" };
    });
  } catch (err) {
    o.logger.warn("near-duplicate index unreachable; classifying the batch unchecked", {
      err,
      events: events.length,
    });
    nearDupUnchecked.inc(events.length);
    return unchecked();
  }
}

const NO_ENTITIES = { people: [], organisations: [], places: [], tickers: [], hashtags: [] };

function toRow(e: WithText, v: Verdict, r: AnalyzeResult | undefined): SentimentRow {
  return {
    event_id: e.event_id,
    source: e.source,
    kind: e.kind,
    symbols: e.symbols,
    asset_class: r?.asset_class ?? "none",
    label: r?.sentiment ?? null,
    score: r?.score ?? null,
    confidence: r?.confidence ?? null,
    entities: r?.entities ?? NO_ENTITIES,
    model: r?.model ?? null,
    duplicate_of: v.duplicateOf,
    dup_check: v.check,
    similarity: v.similarity,
    text: e.text,
    published_at: e.published_at,
  };
}
