import assert from "node:assert/strict";
import { migrate, PgliteDb } from "../../db/mod.ts";
import { AnalyticsStore, type SentimentRow } from "./analytics_store.ts";

function row(id: string, symbols: string[]): SentimentRow {
  return {
    event_id: id,
    source: "news",
    kind: "article",
    symbols,
    asset_class: "equity",
    label: "neutral",
    score: 0,
    confidence: 0.5,
    entities: { people: [], organisations: [], places: [], tickers: [], hashtags: [] },
    model: "local:afinn-165-fin",
    duplicate_of: null,
    dup_check: "original",
    similarity: null,
    text: id,
    published_at: new Date().toISOString(),
  };
}

Deno.test("by symbol: newest first, limited, an event under each symbol it names, deletes followed", async () => {
  const db = await PgliteDb.open("memory://");
  try {
    await migrate(db);
    const store = new AnalyticsStore(db);
    // Separate statements, so each batch has its own (later) processed_at.
    for (const [id, symbols] of [["a", ["AAPL"]], ["b", ["AAPL", "MSFT"]], ["c", ["MSFT"]]]) {
      await store.insertBatch([row(id as string, symbols as string[])]);
    }
    assert.equal(await store.insertBatch([row("b", ["AAPL", "MSFT"])]), 0);
    const ids = async (s: string, n = 10) => (await store.bySymbol(s, n)).map((r) => r.event_id);
    assert.deepEqual(await ids("AAPL"), ["b", "a"]);
    assert.deepEqual(await ids("MSFT"), ["c", "b"]);
    assert.deepEqual(await ids("MSFT", 1), ["c"]);
    assert.deepEqual(await ids("NONE"), []);
    await db.exec(`DELETE FROM sentiment_results WHERE event_id = 'b'`);
    assert.deepEqual(await ids("MSFT"), ["c"]);
    const [{ n }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sentiment_symbols`,
    );
    assert.equal(n, 2, "a repeated insert adds no entry; a delete removes the event's entries");
  } finally {
    await db.close();
  }
});
