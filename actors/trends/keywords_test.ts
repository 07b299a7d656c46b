import assert from "node:assert/strict";
import { keywords } from "./keywords.ts";

const kw = (text: string, langs?: string[], tags: string[] = []) =>
  keywords(text, tags, { langs }).sort();

Deno.test("stop words follow the post's own languages: English keeps war, will, man, die", () => {
  assert.deepEqual(kw("The war will not die, man", ["en"]), ["die", "man", "war", "will"]);
  assert.deepEqual(kw("Der Krieg war schlimm", ["de"]), ["krieg", "schlimm"]);
});

Deno.test("a hashtag and its word are one keyword, and English plurals fold", () => {
  assert.deepEqual(kw("#Elections tonight: the election results", ["en"]), [
    "election",
    "result",
    "tonight",
  ]);
  assert.deepEqual(kw("big news", ["en"], ["Eclipse"]), ["big", "eclipse", "news"]);
});

Deno.test("acronyms and cashtags are kept; contractions go; possessives lose 's", () => {
  assert.deepEqual(kw("AI in the UK won't stop the ETF, $NVDA up", ["en"]), [
    "$nvda",
    "ai",
    "etf",
    "stop",
    "uk",
  ]);
  assert.deepEqual(kw("Trump’s speech", ["en"]), ["speech", "trump"]);
  assert.deepEqual(kw("THE STOCK IS UP", ["en"]), ["stock"]);
});

Deno.test("Japanese text is split into words with Intl.Segmenter", () => {
  const k = kw("新しいカメラを買いました", ["ja"]);
  assert.ok(k.includes("カメラ"), k.join(","));
  assert.ok(!k.includes("を"));
});
