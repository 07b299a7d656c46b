import assert from "node:assert/strict";
import {
  describeIssue,
  FinanceEvent,
  NewsArticle,
  Order,
  parseMessage,
  PostData,
  TextMessage,
} from "./mod.ts";

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** The reason a message is refused, as the workers dead-letter it. */
function reason(schema: Parameters<typeof parseMessage>[1], v: unknown): string {
  const r = parseMessage(encode(v), schema, "message") as { invalid?: string };
  assert.ok(r.invalid, "refused");
  return r.invalid;
}

// JSON.stringify writes an unpaired surrogate as the escape \ud800, as a foreign producer may.
const LONE = "half \ud800 a pair";

Deno.test("text PostgreSQL cannot hold is refused, naming the field, in every pipeline", () => {
  const text = { id: "t-1", text: "ok" };
  assert.match(reason(TextMessage, { ...text, text: "nul\u0000" }), /text: .*NUL/);
  assert.match(reason(TextMessage, { ...text, text: LONE }), /text: .*unpaired surrogates/);

  const post = {
    uri: "at://did:plc:abc/app.bsky.feed.post/3k",
    did: "did:plc:abc",
    text: "hello",
    langs: ["en"],
    created_at: "2026-11-30T12:00:00Z",
    time_us: 1,
    hashtags: [],
    mentions: [],
  };
  assert.ok(PostData.safeParse(post).success);
  assert.match(reason(PostData, { ...post, text: LONE }), /text: .*unpaired/);
  assert.match(reason(PostData, { ...post, did: "did:plc:a\u0000b" }), /did: .*NUL/);
  assert.match(reason(PostData, { ...post, hashtags: ["ok", "x\udc00"] }), /hashtags\.1: /);

  const order = {
    order_id: "ORD-20261130-00001",
    customer_id: "CUST-00001",
    items: [{ item_id: "ITEM-01", name: `Pizza ${LONE}`, price: 10, quantity: 1 }],
    total_amount: 10,
    status: "pending",
    created_at: "2026-11-30T12:00:00Z",
  };
  assert.match(reason(Order, order), /items\.0\.name: .*unpaired/);

  const event = {
    event_id: "news:1",
    source: "news",
    kind: "article",
    symbols: ["AAPL"],
    text: `Apple ${LONE}`,
    published_at: "2026-11-30T12:00:00Z",
    received_at: "2026-11-30T12:00:00Z",
    request_id: "r",
    payload: {},
  };
  assert.match(reason(FinanceEvent, event), /text: .*unpaired/);
  assert.match(reason(FinanceEvent, { ...event, text: "a\u0000b" }), /text: .*NUL/);
  assert.ok(FinanceEvent.safeParse({ ...event, text: "Apple 😀 rallies" }).success);

  const article = NewsArticle.safeParse({
    headline: LONE,
    source: "wire",
    url: "https://example.com/a",
    published_at: "2026-11-30T12:00:00Z",
  });
  assert.ok(!article.success);
  assert.equal(describeIssue(article.error).field, "headline", "a webhook's 400 names the field");
});
