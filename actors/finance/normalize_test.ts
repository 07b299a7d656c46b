import assert from "node:assert/strict";
import fc from "fast-check";
import { ValidationError } from "../../lib/errors.ts";
import { NewsArticle, RedditThing } from "../../schemas/finance.ts";
import {
  eventId,
  eventJson,
  eventKey,
  normalizeSymbol,
  sanitizeText,
  stripHtml,
  toFinanceEvent,
} from "./normalize.ts";

const stamp = { requestId: "req-1", receivedAt: new Date("2026-06-01T12:00:00Z") };

Deno.test("sanitizeText removes tags, scripts and control characters and decodes entities", () => {
  assert.equal(
    sanitizeText("<b>Up</b> 5% &amp; <script>x()</script>more\u0000\u200b"),
    "Up 5% & more\u200b",
  );
  assert.equal(sanitizeText("a\u202Eb\tc\n\n\n\nd"), "ab c\n\nd");
});

Deno.test("a text without < or & is its own HTML-stripped text (sanitizeText's fast path)", () => {
  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom(">", ";", "#", "/", "x"),
      fc.string({ unit: "binary", maxLength: 1 }),
    ),
  })
    .filter((s) => !s.includes("<") && !s.includes("&"));
  fc.assert(fc.property(text, (s) => stripHtml(s) === s), { numRuns: 5_000 });
  assert.equal(stripHtml("a &lt; b"), "a < b"); // not its own: the fast path does not apply
});

Deno.test("symbols are upper-cased without $ and refused when they are not tickers", () => {
  assert.equal(normalizeSymbol("$aapl", "s"), "AAPL");
  assert.equal(normalizeSymbol(" reliance.ns ", "s"), "RELIANCE.NS");
  assert.equal(normalizeSymbol("m&m.ns", "s"), "M&M.NS");
  assert.throws(
    () => normalizeSymbol("not a symbol", "symbols.2"),
    (e: unknown) => e instanceof ValidationError && e.field === "symbols.2",
  );
});

Deno.test("event ids are the provider's id, else a hash of the canonical payload", () => {
  assert.equal(eventId("news", "abc", {}), "news:abc");
  assert.equal(
    eventId("news", undefined, { a: 1, b: 2 }),
    eventId("news", undefined, { b: 2, a: 1 }),
  );
  assert.notEqual(eventId("news", undefined, { a: 1 }), eventId("news", undefined, { a: 2 }));
});

Deno.test("a news article becomes a FinanceEvent keyed by its first symbol", () => {
  const article = NewsArticle.parse({
    headline: "<i>TCS</i> wins deal",
    body: "Big one.",
    source: "Reuters",
    url: "https://example.com/a",
    symbols: ["tcs.ns", "$TCS.NS", "infy.ns"],
    published_at: "2026-06-01T11:59:00+05:30",
  });
  const e = toFinanceEvent("news", article, null, stamp);
  assert.equal(e.text, "TCS wins deal\n\nBig one.");
  assert.deepEqual(e.symbols, ["TCS.NS", "INFY.NS"]);
  assert.equal(e.published_at, "2026-06-01T06:29:00.000Z");
  assert.match(e.event_id, /^news:sha256:/);
  assert.equal(eventKey(e), "TCS.NS");
});

Deno.test("a Reddit comment takes its cashtags as symbols; a far-future time is refused", () => {
  const thing = RedditThing.parse({
    kind: "t1",
    data: {
      id: "k1",
      subreddit: "stocks",
      author: "a",
      body: "$tsla and $AAPL",
      created_utc: 1_780_000_000,
    },
  });
  const e = toFinanceEvent("reddit", thing, 2, stamp);
  assert.equal(e.event_id, "reddit:t1_k1");
  assert.equal(e.kind, "comment");
  assert.deepEqual(e.symbols, ["TSLA", "AAPL"]);
  assert.equal(eventKey({ ...e, symbols: [] }), "reddit:t1_k1");
  const future = RedditThing.parse({
    ...thing,
    data: { ...thing.data, created_utc: 1_900_000_000 },
  });
  assert.throws(
    () => toFinanceEvent("reddit", future, 2, stamp),
    (err: unknown) => err instanceof ValidationError && err.field === "2.time",
  );
});

Deno.test("an event's JSON is serialised once and is its JSON.stringify", () => {
  const payload = NewsArticle.parse({
    id: "n-1",
    headline: "AAPL up",
    source: "Reuters",
    url: "https://news.example.com/1",
    symbols: ["aapl"],
    published_at: "2026-06-01T11:00:00Z",
  });
  const e = toFinanceEvent("news", payload, null, stamp);
  const json = eventJson(e);
  assert.equal(json, JSON.stringify(e));
  assert.equal(JSON.parse(json).event_id, "news:n-1");
  assert.equal(eventJson(e), json);
});
