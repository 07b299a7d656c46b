/**
 * Finance events for the sentiment role's tests: valid `FinanceEvent`s produced straight to a
 * test's own topic (the ingest role is not needed), and the role run in this process.
 */
import { sentimentRole } from "../../actors/mod.ts";
import { loadConfig } from "../../lib/config.ts";
import { FinanceEvent } from "../../schemas/finance.ts";
import type { FinanceSource } from "../../schemas/finance.ts";
import { dlqTopic } from "../../transport/mod.ts";
import { NearDupIndex } from "../../actors/finance/mod.ts";
import { REDIS_URL, sandbox, uniqueName } from "./mod.ts";
import type { Sandbox } from "./mod.ts";
import { runInProcess } from "./in_process.ts";

export interface FinanceSandbox extends Sandbox {
  sentimentTopic: string;
  aggregationTopic: string;
  alertTopic: string;
}

/** A sandbox with its own sentiment topic, group and Redis prefix. */
export async function financeSandbox(extra: Record<string, string> = {}): Promise<FinanceSandbox> {
  const topic = uniqueName("it-sentiment");
  const s = await sandbox({
    FINANCE_TOPIC: topic,
    SENTIMENT_GROUP: `${topic}-group`,
    NEAR_DUP_PREFIX: `${topic}:nd`,
    AGGREGATION_TOPIC: `${topic}-agg`,
    FINANCE_ALERT_TOPIC: `${topic}-alerts`,
    SENTIMENT_VIEWS_REFRESH_S: "0",
    ...extra,
  });
  await (await s.kafka.admin()).ensureTopics([
    { topic, partitions: 3 },
    { topic: dlqTopic(topic), partitions: 1 },
  ]);
  const dispose = s.dispose;
  const mine = [topic, `${topic}-agg`, `${topic}-alerts`];
  return {
    ...s,
    sentimentTopic: topic,
    aggregationTopic: mine[1],
    alertTopic: mine[2],
    async dispose() {
      await (await s.kafka.admin()).deleteTopics(mine.flatMap((t) => [t, dlqTopic(t)]))
        .catch(() => {});
      // Redis is shared: the index's keys go too (they would live NEAR_DUP_TTL otherwise).
      const index = new NearDupIndex({ url: REDIS_URL, prefix: `${topic}:nd` });
      await index.clear().catch(() => {});
      await index.close();
      await dispose();
    },
  };
}

let seq = 0;

/** A valid event; `text` and anything else can be overridden. */
export function financeEvent(
  text: string | null,
  o: Partial<FinanceEvent> & { source?: FinanceSource } = {},
): FinanceEvent {
  const now = new Date().toISOString();
  const source = o.source ?? "twitter";
  return FinanceEvent.parse({
    event_id: `${source}:${Date.now().toString(36)}-${++seq}-${crypto.randomUUID().slice(0, 8)}`,
    source,
    kind: "tweet",
    symbols: [],
    text,
    published_at: now,
    received_at: now,
    request_id: crypto.randomUUID(),
    payload: {},
    ...o,
  });
}

/** Produces events to the sandbox's sentiment topic, keyed by first symbol or source. */
export async function produceFinance(s: FinanceSandbox, events: unknown[]): Promise<void> {
  const producer = await s.kafka.producer();
  try {
    await producer.send(
      s.sentimentTopic,
      events.map((e) => {
        const ev = e as Partial<FinanceEvent>;
        return { key: ev.symbols?.[0] ?? ev.source ?? "x", value: JSON.stringify(e) };
      }),
    );
  } finally {
    await producer.close();
  }
}

/** The `sentiment` role in this process, on the sandbox (env overrides allowed). */
export function runSentiment(s: FinanceSandbox, env: Record<string, string> = {}) {
  return runInProcess(
    { config: loadConfig({ ...s.env, ...env }), kafka: s.kafka },
    (rt) => [sentimentRole(rt)],
  );
}

export interface ResultRow {
  event_id: string;
  label: string | null;
  duplicate_of: string | null;
  dup_check: string;
  model: string | null;
  asset_class: string;
}

export function resultRows(s: Sandbox): Promise<ResultRow[]> {
  return s.db.query<ResultRow>(
    `SELECT event_id, label, duplicate_of, dup_check, model, asset_class FROM sentiment_results
     ORDER BY event_id`,
  ).catch(() => []);
}
