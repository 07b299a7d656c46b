import assert from "node:assert/strict";
import { TrendDetector, TrendMerger, WindowState } from "../actors/trends/mod.ts";
import { testApp } from "../tests/helpers/test_app.ts";

const MIN = 60_000;
const T = Date.UTC(2026, 10, 24, 12);

Deno.test("trend routes: ranking from the cache, history, alerts, sentiment, dashboard", async (t) => {
  const { app, close, deps } = await testApp();
  try {
    // Feed the real storage path: a closed window with a trend and an alert.
    const windows = new WindowState({
      sizeMs: 10 * MIN,
      slideMs: MIN,
      latenessMs: 0,
      partitions: 1,
    });
    const detector = new TrendDetector({
      baselineWindows: 1,
      minCount: 2,
      minAuthors: 2,
      zThreshold: 1,
      stdFloor: 1,
      cooldownMs: 10 * MIN,
    });
    const closed = [];
    for (
      const [i, kw] of [[0, "calm"], [11, "#eclipse"], [11, "#eclipse"], [11, "#eclipse"]] as const
    ) {
      windows.add({
        partition: 0,
        time: T + i * MIN,
        author: `a${closed.length}${Math.random()}`,
        uri: `at://x/app.bsky.feed.post/${crypto.randomUUID()}`,
        keywords: ["*", kw],
        score: 0.5,
      });
    }
    windows.add({
      partition: 0,
      time: T + 30 * MIN,
      author: "z",
      uri: "at://x/app.bsky.feed.post/2",
      keywords: ["*"],
      score: 0,
    });
    const scores = [];
    for (const w of windows.closeReady()) {
      closed.push(w);
      scores.push(detector.score(w));
    }
    // The storage path merges the window's scores into the ranking and alerts.
    const merger = new TrendMerger(10 * MIN);
    const merged = await deps.trends.save("test", closed, {
      offsets: {},
      incarnation: "memory:test",
      meta: () => ({}),
      state: {},
      deltas: [],
      seq: 1,
      dropped: [],
    }, {
      agg: "test",
      parts: 1,
      part: 0,
      scores,
      merge: (_state, ws) => ({ state: merger.toJSON(), merged: ws.map((w) => merger.merge(w)) }),
      publish: () => Promise.resolve(),
    });
    const top = merged.findLast((m) => m.trends.length);
    assert.ok(top, "the fixture produces a trend");
    await deps.trendCache.put(top!, 60_000);

    await t.step("GET /trends answers the cached ranking", async () => {
      const b = await (await app.request("/trends?limit=5")).json();
      assert.equal(b.trends[0].keyword, "#eclipse");
      assert.equal(b.trends[0].rank, 1);
      assert.ok(b.windowEnd);
      assert.equal((await app.request("/trends?limit=abc")).status, 400);
    });

    await t.step("GET /trends/:keyword gives the current state and the history", async () => {
      const b = await (await app.request(`/trends/${encodeURIComponent("#eclipse")}`)).json();
      assert.equal(b.trending, true);
      assert.ok(b.history.length > 0);
      assert.equal((await (await app.request("/trends/nothing")).json()).trending, false);
    });

    await t.step("GET /alerts?since= filters by window end; a bad date is a 400", async () => {
      const all = await (await app.request("/alerts")).json();
      assert.ok(all.alerts.some((a: { keyword: string }) => a.keyword === "#eclipse"));
      const none = await (await app.request("/alerts?since=2030-01-01T00:00:00Z")).json();
      assert.equal(none.alerts.length, 0);
      const bad = await app.request("/alerts?since=yesterday");
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).field, "since");
    });

    await t.step("GET /sentiment gives volume and sentiment per window, oldest first", async () => {
      const b = await (await app.request("/sentiment?source=all&bucket=window")).json();
      assert.ok(b.points.length > 1);
      assert.ok(Date.parse(b.points[0].bucket) < Date.parse(b.points.at(-1).bucket));
      assert.equal((await app.request("/sentiment?bucket=week")).status, 400);
    });

    await t.step("at rest every trend route answers from the cache, not PostgreSQL", async () => {
      const paths = [
        `/trends/${encodeURIComponent("#eclipse")}`,
        "/alerts",
        "/sentiment?source=all&bucket=window",
      ];
      const before = await Promise.all(paths.map(async (p) => (await app.request(p)).json()));
      // The app holds the same TrendStore: its reads are made to fail while the test asks again.
      const store = deps.trends as unknown as Record<string, unknown>;
      const untouchable = () => Promise.reject(new Error("PostgreSQL touched"));
      for (const m of ["history", "alerts", "sentiment"]) store[m] = untouchable;
      try {
        for (const [i, p] of paths.entries()) {
          const res = await app.request(p);
          assert.equal(res.status, 200, p);
          assert.deepEqual(await res.json(), before[i], p);
        }
        // A newly closed window makes the next answers fresh (read again from PostgreSQL).
        await deps.trendCache.put({ ...top!, windowEnd: top!.windowEnd + MIN }, 60_000);
        assert.equal((await app.request("/alerts")).status, 500);
      } finally {
        for (const m of ["history", "alerts", "sentiment"]) delete store[m];
      }
    });

    await t.step("GET /dashboard serves the page and Chart.js from npm", async () => {
      const page = await app.request("/dashboard");
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<canvas id="trending">/);
      const js = await app.request("/dashboard/chart.js");
      assert.equal(js.status, 200);
      assert.match(await js.text(), /Chart/);
    });
  } finally {
    await close();
  }
});
