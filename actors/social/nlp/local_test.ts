import assert from "node:assert/strict";
import { Classification } from "../../../schemas/social.ts";
import type { PostData } from "../../../schemas/social.ts";
import { classifyLocal, isEnglish, LocalClassifier } from "./local.ts";

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

/** Obvious English posts, 15 of each label. */
const LABELLED: Array<[string, Label]> = [
  ["I love this new phone, it is amazing!", "positive"],
  ["What a wonderful day, I feel so happy", "positive"],
  ["Great game tonight, the team played brilliantly", "positive"],
  ["Thank you all for the kind support, much appreciated", "positive"],
  ["This is the best coffee I have ever had", "positive"],
  ["Excellent results this quarter, very impressive", "positive"],
  ["So proud of my daughter, she won the prize", "positive"],
  ["Beautiful sunset at the beach, perfect evening", "positive"],
  ["I am thrilled with how the launch went", "positive"],
  ["Fantastic concert, the band was awesome", "positive"],
  ["Congrats to everyone who shipped this, great work 🎉", "positive"],
  ["$NVDA earnings were strong, very bullish and excited", "positive"],
  ["Had a lovely dinner with old friends, so much fun", "positive"],
  ["Finally fixed the bug, feeling good about this release", "positive"],
  ["Such a cute puppy, made my day", "positive"],
  ["This is terrible, the service was awful", "negative"],
  ["I hate waiting in traffic, so frustrating", "negative"],
  ["Worst movie ever, a complete waste of time", "negative"],
  ["The app keeps crashing, really annoying and broken", "negative"],
  ["Sad news today, a horrible accident downtown", "negative"],
  ["Stocks crashed and investors are panicking", "negative"],
  ["I am disappointed and angry about the delay", "negative"],
  ["The food was disgusting and the staff were rude", "negative"],
  ["Feeling sick and miserable all week", "negative"],
  ["This policy is a disaster, a total failure", "negative"],
  ["My flight got cancelled again, ugh, worst airline", "negative"],
  ["Lost my wallet today, what a nightmare", "negative"],
  ["So tired of these scams, $BTC holders got robbed", "negative"],
  ["The update is bad, nothing works and support is useless", "negative"],
  ["Grim outlook: layoffs, debt and fear everywhere", "negative"],
  ["The meeting is at 3pm in room 204", "neutral"],
  ["The train leaves from platform 9", "neutral"],
  ["Quarterly report will be published on Thursday", "neutral"],
  ["The store opens at nine on weekdays", "neutral"],
  ["I am reading a book about the history of Rome", "neutral"],
  ["The package was delivered this morning", "neutral"],
  ["Our office moved to the third floor", "neutral"],
  ["The conference schedule is now online", "neutral"],
  ["Water boils at one hundred degrees Celsius", "neutral"],
  ["The bus route changes next Monday", "neutral"],
  ["Fed minutes are released at 2pm Eastern", "neutral"],
  ["Posting the slides from yesterday's talk below", "neutral"],
  ["Ethereum block times are about twelve seconds", "neutral"],
  ["The library is closed on public holidays", "neutral"],
  ["New episode of the podcast drops on Friday", "neutral"],
];

Deno.test("the local backend labels at least 80% of an obvious labelled set correctly", () => {
  assert.equal(LABELLED.length, 45);
  const wrong: string[] = [];
  for (const [text, label] of LABELLED) {
    const got = classifyLocal(post(text)).sentiment;
    if (got !== label) wrong.push(`${label} → ${got}: ${text}`);
  }
  const accuracy = 1 - wrong.length / LABELLED.length;
  assert.ok(accuracy >= 0.8, `accuracy ${accuracy.toFixed(2)}; wrong:\n${wrong.join("\n")}`);
});

Deno.test("results fit the schema: score in [-1, 1], confidence in [0, 1]", () => {
  const texts = [
    ...LABELLED.map(([t]) => t),
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
  assert.ok(rs.every((r) => r.model === "local:afinn-165"));
});
