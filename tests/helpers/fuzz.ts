/**
 * The API fuzzer: every operation of an app's `/openapi.json` (so a new route is covered without
 * touching a test) called with hostile path and query parameters (malformed percent-encoding,
 * NUL, huge and negative numbers, unicode, empty and very long values) and, on writes, bad JSON
 * bodies and wrong content types. Each answer must be below 500; the caller's `app.request` may
 * check more (the test app's checks every answer against the document).
 */
import assert from "node:assert/strict";
import fc from "fast-check";

type Param = { name: string; in: string };
export type Doc = { paths: Record<string, Record<string, { parameters?: Param[] }>> };

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

export function operations(doc: Doc): Op[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: op.parameters ?? [],
    }))
  );
}

interface Fuzzable {
  request(url: string, init?: RequestInit): Response | Promise<Response>;
}

/** `runs` random requests over `app`'s documented operations; resolves to how many were sent. */
export async function fuzzRoutes(app: Fuzzable, ops: Op[], runs: number): Promise<number> {
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
  await fc.assert(
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
    { numRuns: runs },
  );
  return requests;
}
