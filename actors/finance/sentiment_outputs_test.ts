import assert from "node:assert/strict";
import { createLogger, setLogSink } from "../../lib/log.ts";
import type { Delivery, OutRecord, Producer } from "../../transport/mod.ts";
import { until } from "../../tests/helpers/mod.ts";
import type { AlertStore } from "./alert_store.ts";
import { RECOVERY_MINUTES, sentimentOutputs } from "./sentiment_outputs.ts";
import type { SentimentRow } from "./analytics_store.ts";

const rule = { windowS: 300, threshold: 0.5, minSources: 2, minEvents: 3, cooldownS: 600 };

/** An alert store that records which symbols each pass asked for, and a producer that can fail. */
function fakes(recent: Array<{ symbol: string; labelled: boolean }> = []) {
  const aggregated: string[][] = [];
  const raised: string[][] = [];
  /** How many minutes each pass aggregated. */
  const spans: number[] = [];
  const alerts = {
    recentSymbols: () => Promise.resolve(recent),
    aggregates: (symbols: string[], minutes: string[]) => {
      aggregated.push([...symbols].sort());
      spans.push(minutes.length);
      return Promise.resolve(symbols.map((symbol) => ({ symbol, minute: "m" })));
    },
    raise: (symbols: string[]) => {
      raised.push([...symbols].sort());
      return Promise.resolve([]);
    },
    unpublished: () => Promise.resolve([]),
    markPublished: () => Promise.resolve(),
  } as unknown as AlertStore;
  let failing = 0;
  const sent: OutRecord[] = [];
  const producer: Producer = {
    send(topic: string, records: OutRecord[]): Promise<Delivery[]> {
      if (failing > 0) {
        failing--;
        return Promise.reject(new Error("broker away"));
      }
      sent.push(...records);
      return Promise.resolve(records.map(() => ({ topic, partition: 0, offset: "0" })));
    },
    close: () => Promise.resolve(),
  };
  return {
    alerts,
    producer,
    aggregated,
    raised,
    spans,
    sent,
    failNext: (n: number) => (failing = n),
  };
}

/** The outputs under test on the fakes, with passes 1 ms apart. */
const outputsOf = (f: ReturnType<typeof fakes>) =>
  sentimentOutputs({
    ...f,
    aggregationTopic: "agg",
    alertTopic: "alerts",
    rule,
    logger: createLogger("test"),
    intervalMs: 1,
  });

const row = (symbols: string[], label: string | null) => ({ symbols, label }) as SentimentRow;

Deno.test("a pass that fails gives its symbols to the next pass", async () => {
  const lines: string[] = [];
  setLogSink({ level: "warn", write: (r) => lines.push(r.msg) });
  try {
    const f = fakes();
    const out = outputsOf(f);
    f.failNext(1);
    await out.onStored([row(["AAA"], "positive"), row(["BBB"], null)]);
    await until("the retried pass", () => f.sent.length === 2, 5_000, 5);
    assert.deepEqual(f.sent.map((r) => r.key).sort(), ["AAA|m", "BBB|m"]);
    // Both passes asked for both symbols; only AAA had a labelled row, so only it is checked.
    assert.deepEqual(f.aggregated, [["AAA", "BBB"], ["AAA", "BBB"]]);
    assert.deepEqual(f.raised, [["AAA"]]);
    assert.equal(lines.filter((l) => l.includes("the next pass tries again")).length, 1);
    await out.stop();
  } finally {
    setLogSink(null);
  }
});

Deno.test("a new process first runs a pass over the symbols stored in the last minutes", async () => {
  const f = fakes([{ symbol: "CCC", labelled: true }, { symbol: "DDD", labelled: false }]);
  const out = outputsOf(f);
  await until("the recovery pass", () => f.sent.length === 2, 5_000, 5);
  assert.deepEqual(f.aggregated, [["CCC", "DDD"]]);
  assert.deepEqual(f.raised, [["CCC"]]);
  // The recovery pass republishes every minute it reaches back to; the next pass, two minutes.
  await out.onStored([row(["CCC"], "positive")]);
  await until("the next pass", () => f.spans.length === 2, 5_000, 5);
  assert.deepEqual(f.spans, [RECOVERY_MINUTES + 1, 2]);
  await out.stop();
});

Deno.test("a failed recovery pass gives its reach to the next pass", async () => {
  const f = fakes([{ symbol: "EEE", labelled: false }]);
  f.failNext(1);
  const out = outputsOf(f);
  await until("the retried recovery pass", () => f.sent.length === 1, 5_000, 5);
  assert.deepEqual(f.spans, [RECOVERY_MINUTES + 1, RECOVERY_MINUTES + 1]);
  await out.stop();
});
