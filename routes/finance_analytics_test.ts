import assert from "node:assert/strict";
import { FinanceAnalyzer } from "../actors/finance/mod.ts";
import type { SentimentRow } from "../actors/finance/mod.ts";
import { CircuitBreakerClassifier, LocalClassifier, OllamaClassifier } from "../actors/nlp/mod.ts";
import { AnalyzeResult } from "../schemas/finance.ts";
import { OllamaStub } from "../tests/helpers/ollama_stub.ts";
import { testApp } from "../tests/helpers/test_app.ts";

async function financeApp(ollamaUrl = "http://127.0.0.1:1") {
  const ollama = new OllamaClassifier({
    host: ollamaUrl,
    timeoutMs: 2_000,
    retries: 0,
    fallback: new LocalClassifier(),
  });
  const analyzer = new FinanceAnalyzer({
    ollama: new CircuitBreakerClassifier(ollama, { slowMs: 2_000 }),
    defaultBackend: "local",
  });
  const t = await testApp((deps) => ({ finance: { ...deps.finance!, analyzer } }));
  return { ...t, store: t.deps.finance!.store };
}

const json = (body: unknown) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
});

Deno.test("POST /analyze answers one result per text, in order, with the model used", async () => {
  const t = await financeApp();
  try {
    const texts = ["Apple shares fell 3%", "BTC soars to a record high", "Fed meets on Tuesday"];
    const res = await t.app.request("/analyze", json({ texts }));
    assert.equal(res.status, 200);
    const { results } = await res.json();
    assert.equal(results.length, 3);
    for (const r of results) assert.ok(AnalyzeResult.safeParse(r).success, JSON.stringify(r));
    assert.deepEqual(results.map((r: AnalyzeResult) => r.sentiment), [
      "negative",
      "positive",
      "neutral",
    ]);
    assert.equal(results[1].asset_class, "crypto");
    assert.deepEqual(results[1].entities.tickers, ["$BTC"]);
    assert.equal(results[0].model, "local:afinn-165-fin");
  } finally {
    await t.close();
  }
});

Deno.test("POST /analyze refuses bad bodies and backends with a 400 naming the field", async () => {
  const t = await financeApp();
  try {
    const cases: Array<[string, unknown, string]> = [
      ["/analyze", { texts: [] }, "texts"],
      ["/analyze", { texts: Array(101).fill("x") }, "texts"],
      ["/analyze", { texts: [""] }, "texts.0"],
      ["/analyze", { text: "x" }, "texts"],
      ["/analyze?backend=gpt", { texts: ["x"] }, "backend"],
    ];
    for (const [path, body, field] of cases) {
      const res = await t.app.request(path, json(body));
      assert.equal(res.status, 400, path);
      assert.equal((await res.json()).field, field, JSON.stringify(body));
    }
  } finally {
    await t.close();
  }
});

Deno.test("?backend=ollama asks Ollama, and falls back to local when it fails", async () => {
  const stub = new OllamaStub();
  const t = await financeApp(stub.url);
  try {
    const ok = await (await t.app.request("/analyze?backend=ollama", json({ texts: ["x"] })))
      .json();
    assert.equal(ok.results[0].model, "ollama:granite3.3:2b");
    stub.script(["500"]);
    const res = await t.app.request("/analyze?backend=ollama", json({ texts: ["Gold plunges"] }));
    const fell = await res.json();
    assert.equal(fell.results[0].model, "local:afinn-165-fin");
    assert.equal(fell.results[0].sentiment, "negative");
  } finally {
    await t.close();
    await stub.shutdown();
  }
});

function row(id: string, o: Partial<SentimentRow> = {}): SentimentRow {
  return {
    event_id: id,
    source: "news",
    kind: "article",
    symbols: ["AAPL"],
    asset_class: "equity",
    label: "positive",
    score: 0.5,
    confidence: 0.8,
    entities: { people: [], organisations: [], places: [], tickers: ["$AAPL"], hashtags: [] },
    model: "local:afinn-165-fin",
    duplicate_of: null,
    dup_check: "original",
    similarity: null,
    text: "Apple rallies",
    published_at: new Date().toISOString(),
    ...o,
  };
}

Deno.test("analytics routes read by asset class, source, symbol and event", async () => {
  const t = await financeApp();
  try {
    const rows = [
      row("news:1"),
      row("news:2", { label: "negative", score: -0.5 }),
      row("twitter:1", { source: "twitter", symbols: ["BTC"], asset_class: "crypto" }),
      row("twitter:2", {
        source: "twitter",
        label: null,
        score: null,
        confidence: null,
        model: null,
        asset_class: "none",
        duplicate_of: "news:1",
        dup_check: "duplicate",
        similarity: 1,
      }),
    ];
    assert.equal(await t.store.insertBatch(rows), 4);
    assert.equal(await t.store.insertBatch(rows), 0, "idempotent by event id");
    await t.store.refreshViews();
    const byClass = await (await t.app.request("/finance/sentiment/asset-classes")).json();
    const equity = byClass.asset_classes.find((r: { asset_class: string }) =>
      r.asset_class === "equity"
    );
    assert.deepEqual([equity.classified, equity.positive, equity.negative], [2, 1, 1]);
    const bySource = await (await t.app.request("/finance/sentiment/sources")).json();
    const tw = bySource.sources.find((r: { source: string }) => r.source === "twitter");
    assert.deepEqual([tw.events, tw.duplicates], [2, 1]);
    const sym = await (await t.app.request("/finance/sentiment/symbols/$aapl")).json();
    assert.equal(sym.events.length, 3);
    const dup = await (await t.app.request("/finance/events/twitter:2")).json();
    assert.equal(dup.duplicate_of, "news:1");
    assert.equal(dup.asset_class, "equity", "a duplicate takes its original's asset class");
    assert.equal((await t.app.request("/finance/events/nope")).status, 404);
    assert.equal((await t.app.request("/finance/sentiment/sources?minutes=x")).status, 400);
  } finally {
    await t.close();
  }
});
