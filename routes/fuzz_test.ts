/**
 * Fuzzing every route of the OpenAPI document (enumerated from `/openapi.json`, so a new route
 * is covered without touching this file): path and query parameters with malformed
 * percent-encoding, NUL, huge and negative numbers, unicode, empty and very long values; write
 * routes with bad JSON bodies and wrong content types. Every answer must be below 500 and match
 * the document (`conforming` in the test app), and memory must stay flat across rounds.
 * `FUZZ_RUNS` sets the runs per round (default 125: 500 requests in all).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { testApp } from "../tests/helpers/test_app.ts";

type Param = { name: string; in: string };
type Doc = { paths: Record<string, Record<string, { parameters?: Param[] }>> };

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 125);

/** Values pasted into the URL as they are: escapes malformed, double-encoded, NUL... */
const RAW = [
  "%",
  "%25",
  "%ZZ",
  "%F0%9F",
  "%00",
  "a%00b",
  "%C0%AF",
  "%ED%A0%80",
  "%2F",
  "%252F",
  "..",
  "",
  "-1",
  "-100000-01-01T00:00:00Z",
  "275760-09-13T00:00:00Z",
  "0000-01-01",
  "9999-12-31T23:59:59Z",
  "2026-13-45",
  "1e308",
  "99999999999999999999999",
  "9007199254740993",
  "0x10",
  "NaN",
  "+1",
  " 1",
  "true",
  "null",
  "window",
  "%E2%80%AE",
  "$AAPL",
  "CUST-00001",
  "ORD-20260101-00001",
];

/** One parameter value as it appears in the URL. */
const urlValue = fc.oneof(
  fc.constantFrom(...RAW),
  fc.string({ unit: "binary", maxLength: 40 }).map(encode),
  fc.string({ unit: "grapheme", maxLength: 20 }).map(encode),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom(2_000, 20_000).map((n) => "x".repeat(n)),
);

function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s; // a lone surrogate: sent raw (the URL parser makes it U+FFFD bytes)
  }
}

const JSON_TYPES = ["application/json", "application/json; charset=utf-8"];
const body = fc.oneof(
  fc.constantFrom(
    "",
    "{",
    "null",
    "[]",
    "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
    '{"text":"\\u0000"}',
    '{"text":"\\ud800"}',
    '{"text":""}',
    '{"texts":[]}',
    '{"texts":["x"],"extra":1}',
    `{"text":"${"y".repeat(1_100_000)}"}`,
    '{"text":1e999}',
    '{"__proto__":{"polluted":true},"text":"p"}',
  ),
  fc.json({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 200 }),
);
const contentType = fc.oneof(
  fc.constantFrom(...JSON_TYPES, "text/plain", "application/x-www-form-urlencoded", "", "*/*"),
);

interface Op {
  method: string;
  path: string;
  params: Param[];
}

function operations(doc: Doc): Op[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: op.parameters ?? [],
    }))
  );
}

Deno.test("fuzzing every route in /openapi.json gives no 5xx, and memory stays flat", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const { app, close } = await testApp();
  try {
    const doc = await (await app.request("/openapi.json")).json() as Doc;
    const ops = operations(doc);
    assert.ok(ops.length >= 25, `${ops.length} operations`);
    assert.ok(ops.some((o) => o.method === "POST"), "write routes are fuzzed too");
    let requests = 0;

    const request = fc.record({
      op: fc.constantFrom(...ops),
      path: fc.array(urlValue, { minLength: 4, maxLength: 4 }),
      query: fc.array(
        fc.tuple(fc.constantFrom("limit", "offset", "since", "x%00", "%ZZ"), urlValue),
        {
          maxLength: 3,
        },
      ),
      declared: fc.array(urlValue, { minLength: 8, maxLength: 8 }),
      body,
      contentType,
    });

    const round = () =>
      fc.assert(
        fc.asyncProperty(request, async (r) => {
          let i = 0;
          const path = r.op.path.replace(/\{\w+\}/g, () => r.path[i++ % r.path.length]);
          const query = [
            ...r.op.params.filter((p) => p.in === "query").map((p, j) =>
              `${p.name}=${r.declared[j % r.declared.length]}`
            ),
            ...r.query.map(([k, v]) => `${k}=${v}`),
          ].join("&");
          const url = `http://api.test${path}${query ? `?${query}` : ""}`;
          const init: RequestInit = { method: r.op.method };
          if (r.op.method === "POST") {
            init.body = r.body;
            if (r.contentType) init.headers = { "content-type": r.contentType };
          }
          let res: Response;
          try {
            res = await app.request(url, init);
          } catch (err) {
            // A URL that `new Request()` itself refuses is not the API's to answer.
            if (err instanceof TypeError && /URL|Request/i.test(err.message)) return;
            throw err;
          }
          requests++;
          const text = await res.text();
          assert.ok(res.status < 500, `${r.op.method} ${url.slice(0, 300)}: ${res.status} ${text}`);
        }),
        { numRuns: RUNS },
      );

    await round(); // warm-up: code paths compiled, caches and pools filled
    const before = Deno.memoryUsage();
    for (let n = 0; n < 3; n++) await round();
    const after = Deno.memoryUsage();
    const grownMb = (after.heapUsed - before.heapUsed) / 2 ** 20;
    const rssMb = (after.rss - before.rss) / 2 ** 20;
    console.log(
      `fuzz: ${requests} requests over ${ops.length} operations; heap ${
        (before.heapUsed / 2 ** 20).toFixed(0)
      } → ${(after.heapUsed / 2 ** 20).toFixed(0)} MB, rss ${(before.rss / 2 ** 20).toFixed(0)} → ${
        (after.rss / 2 ** 20).toFixed(0)
      } MB`,
    );
    // Generous: GC timing alone moves the heap by tens of MB; a leak per request would not fit.
    assert.ok(grownMb < 96, `heap grew ${grownMb.toFixed(1)} MB over 3 rounds`);
    assert.ok(rssMb < 192, `rss grew ${rssMb.toFixed(1)} MB over 3 rounds`);
  } finally {
    await close();
  }
});

Deno.test("the fuzzer's former 500s are 400s naming the parameter, before the database", async () => {
  const { app, close } = await testApp();
  try {
    const cases: Array<[string, string]> = [
      ["/trends/%25", ""], // decodes to "%": a valid keyword, not decoded again
      ["/trends/%ZZ", "keyword"],
      ["/trends/%F0%9F", "keyword"],
      ["/trends/%00", "keyword"],
      ["/sentiment?source=%00", "source"],
      ["/alerts?since=-100000-01-01T00:00:00Z", "since"],
      ["/alerts?since=275760-09-13T00:00:00Z", "since"],
      ["/messages?limit=-1", "limit"],
      ["/messages?limit=1e3", "limit"],
      ["/messages?offset=99999999999999999999", "offset"],
      ["/events?since=2026-13-45", "since"],
      ["/events?symbol=%00", "symbol"],
      ["/logs?component=a%00", "component"],
      ["/finance/events/%ED%A0%80", "id"],
      ["/finance/sentiment/symbols/%ZZ", "symbol"],
      ["/orders?customer_id=%00", "customer_id"],
    ];
    for (const [url, field] of cases) {
      const res = await app.request(url);
      const body = await res.json();
      if (field === "") {
        assert.equal(res.status, 200, `${url}: ${JSON.stringify(body)}`);
        assert.equal(body.keyword, "%");
      } else {
        assert.equal(res.status, 400, `${url}: ${JSON.stringify(body)}`);
        assert.equal(body.field, field, url);
      }
    }
  } finally {
    await close();
  }
});
