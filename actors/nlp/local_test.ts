import assert from "node:assert/strict";
import { Classification } from "../../schemas/social.ts";
import type { PostData } from "../../schemas/social.ts";
import { classifyLocal, isEnglish, LocalClassifier } from "./local.ts";
import { FINANCE_LABELLED } from "./testdata/finance.ts";
import { GENERAL_LABELLED } from "./testdata/general.ts";

const post = (text: string, langs = ["en"], hashtags: string[] = []): PostData => ({
  uri: "at://did:plc:t/app.bsky.feed.post/1",
  did: "did:plc:t",
  text,
  langs,
  created_at: "2026-11-24T00:00:00.000Z",
  time_us: 1,
  hashtags,
  mentions: [],
});

type Label = Classification["sentiment"];

function accuracyOn(set: Array<[string, Label]>): { accuracy: number; wrong: string } {
  const wrong: string[] = [];
  for (const [text, label] of set) {
    const got = classifyLocal(post(text)).sentiment;
    if (got !== label) wrong.push(`${label} → ${got}: ${text}`);
  }
  return { accuracy: 1 - wrong.length / set.length, wrong: wrong.join("\n") };
}

Deno.test("the local backend labels at least 85% of the general-text set correctly", () => {
  assert.equal(GENERAL_LABELLED.length, 45);
  const { accuracy, wrong } = accuracyOn(GENERAL_LABELLED);
  assert.ok(accuracy >= 0.85, `accuracy ${accuracy.toFixed(3)}; wrong:\n${wrong}`);
});

Deno.test("the local backend labels at least 85% of the balanced finance set correctly", () => {
  assert.ok(FINANCE_LABELLED.length >= 150);
  for (const l of ["positive", "negative", "neutral"]) {
    assert.equal(FINANCE_LABELLED.filter(([, x]) => x === l).length, FINANCE_LABELLED.length / 3);
  }
  const { accuracy, wrong } = accuracyOn(FINANCE_LABELLED);
  assert.ok(accuracy >= 0.85, `accuracy ${accuracy.toFixed(3)}; wrong:\n${wrong}`);
});

Deno.test("market direction words decide the label (issue 13's examples)", () => {
  const cases: Array<[string, Label]> = [
    ["Apple shares fell 3%", "negative"],
    ["Stocks crashes as banks plunge", "negative"],
    ["Nvidia shares soar in a broad rally", "positive"],
    ["Oil tumbles, miners slumps", "negative"],
    ["Acme beats estimates", "positive"],
    ["Acme misses estimates", "negative"],
    ["Acme raises guidance", "positive"],
    ["Acme cuts guidance", "negative"],
    ["Analyst upgrade for Acme", "positive"],
    ["Analyst downgrade for Acme", "negative"],
    ["Central bank hikes rates", "negative"],
    ["Central bank cuts rates", "positive"],
    ["Index at a record high", "positive"],
    ["Index at a record low", "negative"],
    ["Acme did not raise guidance", "negative"],
    ["Gold and shares on the agenda", "neutral"],
  ];
  for (const [text, label] of cases) {
    assert.equal(classifyLocal(post(text)).sentiment, label, text);
  }
});

Deno.test("well-known tickers are found without `$`", () => {
  const r = classifyLocal(post("BTC and NVDA lead, $SOL lags"));
  assert.deepEqual(r.entities.tickers.toSorted(), ["$BTC", "$NVDA", "$SOL"]);
  assert.equal(r.asset_class, "crypto");
});

Deno.test("results fit the schema: score in [-1, 1], confidence in [0, 1]", () => {
  const texts = [
    ...GENERAL_LABELLED.map(([t]) => t),
    "love love love love amazing amazing awesome superb wonderful",
    "hate hate hate awful terrible horrible disgusting worst",
    "",
    "🙂",
    "good bad good bad",
  ];
  for (const text of texts) {
    const r = classifyLocal(post(text));
    assert.ok(Classification.safeParse(r).success, JSON.stringify(r));
  }
  const strong = classifyLocal(post("love love love love amazing amazing awesome superb"));
  assert.ok(strong.score > 0.9 && strong.score <= 1, `score ${strong.score}`);
  assert.ok(strong.confidence > 0.8 && strong.confidence <= 1, `confidence ${strong.confidence}`);
});

Deno.test("mixed sentiment gets lower confidence than one-sided sentiment", () => {
  const mixed = classifyLocal(post("great food but terrible service and awful wait, loved it"));
  const clear = classifyLocal(post("great food, lovely service, wonderful evening"));
  assert.equal(clear.sentiment, "positive");
  assert.ok(mixed.confidence < clear.confidence, `${mixed.confidence} vs ${clear.confidence}`);
});

Deno.test("non-English posts are neutral with low confidence, with tickers and hashtags kept", () => {
  const r = classifyLocal(post("¡Qué día tan horrible! $BTC #Cripto", ["es"], ["cripto"]));
  assert.equal(r.sentiment, "neutral");
  assert.equal(r.score, 0);
  assert.ok(r.confidence <= 0.2);
  assert.deepEqual(r.entities.tickers, ["$BTC"]);
  assert.deepEqual(r.entities.hashtags, ["cripto"]);
  assert.equal(r.asset_class, "crypto");
  assert.equal(isEnglish({ langs: ["pt", "en-US"] }), true);
  assert.equal(isEnglish({ langs: [] }), true);
  assert.equal(isEnglish({ langs: ["ja"] }), false);
});

Deno.test("tickers: $ and 1-5 capitals, not amounts or parts of words", () => {
  const r = classifyLocal(post("$AAPL and $BTC up, $TOOLONG no, $5 no, US$TSLA no, $aapl no, $F."));
  assert.deepEqual(r.entities.tickers, ["$AAPL", "$BTC", "$F"]);
});

Deno.test("hashtags come from the field and the text, lower-cased and deduplicated", () => {
  const r = classifyLocal(
    post("Ship it #DevLife #devlife #2 C# https://x.test/a#frag #café", ["en"], ["DevLife", "#ai"]),
  );
  assert.deepEqual(r.entities.hashtags, ["devlife", "ai", "café"]);
});

Deno.test("organisations, places and people from gazetteers and capitalised names", () => {
  const r = classifyLocal(
    post("Tim Cook says Apple will open a store in New York. President Ada Lovelace's view: yes"),
  );
  assert.deepEqual(r.entities.organisations, ["Apple"]);
  assert.deepEqual(r.entities.places, ["New York"]);
  assert.deepEqual(r.entities.people, ["Tim Cook", "Ada Lovelace"]);
  const none = classifyLocal(post("Happy Monday from Wall Street and the Federal Reserve"));
  assert.deepEqual(none.entities.people, []);
  assert.deepEqual(none.entities.organisations, ["Federal Reserve"]);
});

Deno.test("asset classes from cashtags and keywords, one example each", () => {
  const cases: Array<[string, string]> = [
    ["$BTC to the moon", "crypto"],
    ["Bitcoin and ethereum rally", "crypto"],
    ["The EUR/USD exchange rate fell", "forex"],
    ["$USD strength hurts exporters", "forex"],
    ["Gold and crude oil prices rise", "commodity"],
    ["Inflation data and the Fed decision today", "macro"],
    ["Nasdaq stocks up after earnings", "equity"],
    ["$TSLA looking strong", "equity"],
    ["Lovely walk in the park", "none"],
    ["I'm fed up with this weather", "none"],
    ["She shares her holiday photos", "none"],
  ];
  for (const [text, cls] of cases) assert.equal(classifyLocal(post(text)).asset_class, cls, text);
});

Deno.test("topics from the topic lexicon, then hashtags", () => {
  const r = classifyLocal(post("Election night and heavy rain #vote2026", ["en"]));
  assert.deepEqual(r.topics, ["politics", "weather", "vote2026"]);
  assert.deepEqual(classifyLocal(post("The NBA playoffs start today")).topics, ["sports"]);
});

Deno.test("LocalClassifier answers one labelled result per post, in order", async () => {
  const c = new LocalClassifier();
  const rs = await c.classify([post("I love it"), post("I hate it"), post("It is a table")]);
  assert.deepEqual(rs.map((r) => r.sentiment), ["positive", "negative", "neutral"]);
  assert.ok(rs.every((r) => r.model === "local:afinn-165-fin"));
});
