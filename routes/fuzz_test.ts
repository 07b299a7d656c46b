/**
 * The API under the fuzzer (`tests/helpers/fuzz.ts`): every route of `/openapi.json`, hostile
 * parameters and bodies; every answer below 500 and matching the document (`conforming` in the
 * test app), and memory flat across rounds. `FUZZ_RUNS` sets the requests per round (default
 * 125: 500 in all). And the requests that were 500s before the validation layer, as a table.
 */
import assert from "node:assert/strict";
import { testApp } from "../tests/helpers/test_app.ts";
import { fuzzRoutes, operations } from "../tests/helpers/fuzz.ts";
import type { Doc } from "../tests/helpers/fuzz.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 125);

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
    const round = async () => {
      requests += await fuzzRoutes(app, ops, RUNS);
    };

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
