import assert from "node:assert/strict";
import { openLoop } from "./_open_loop.ts";

/** A server that holds every answer due between `from` and `to` ms after its first request. */
function stallingServer(from: number, to: number) {
  let first = 0;
  let seen = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    await req.arrayBuffer();
    seen++;
    first ||= performance.now();
    const at = performance.now() - first;
    if (at >= from && at < to) await new Promise((r) => setTimeout(r, to - at));
    return new Response(req.url.endsWith("/bad") ? "no" : "ok", {
      status: req.url.endsWith("/bad") ? 400 : 200,
    });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen: () => seen, server };
}

Deno.test("open loop: a stall is charged to every request it held up, at the rate asked", async () => {
  const s = stallingServer(400, 600);
  try {
    const r = await openLoop(
      { url: `${s.url}/`, rate: 500, seconds: 1, warmupS: 0.2, connections: 4 },
      (i) => ({ body: JSON.stringify({ i }), headers: { "x-i": String(i) } }),
    );
    assert.equal(r.ok, 500);
    assert.equal(r.non2xx + r.errors, 0);
    assert.equal(s.seen(), 600, "the warm-up's requests are sent too");
    // The 4 connections are all held by the stall; the ~100 requests scheduled during it wait for
    // a connection. Timed from when they went out, only the 4 held ones (0.8 %) would be slow.
    assert.ok(r.p99Ms >= 150, `p99 ${r.p99Ms} ms does not show a 200 ms stall`);
    assert.ok(r.p50Ms < 50, `p50 ${r.p50Ms} ms`);
    assert.ok(r.requestsPerSecond > 400 && r.requestsPerSecond < 560, `${r.requestsPerSecond}/s`);
  } finally {
    await s.server.shutdown();
  }
});

Deno.test("open loop: answers other than 2xx are counted apart", async () => {
  const s = stallingServer(Infinity, Infinity);
  try {
    const r = await openLoop(
      { url: `${s.url}/bad`, rate: 200, seconds: 0.5, warmupS: 0, connections: 4 },
      () => ({ body: "{}", headers: {} }),
    );
    assert.equal(r.ok, 0);
    assert.equal(r.non2xx, 100);
  } finally {
    await s.server.shutdown();
  }
});
