import assert from "node:assert/strict";
import { BURSTS, T0, trendStream } from "../../tests/helpers/trend_stream.ts";
import { TrendDetector } from "./detect.ts";
import type { Trend, TrendAlert } from "./detect.ts";
import { keywords } from "./keywords.ts";
import { WindowState } from "./windows.ts";

const MIN = 60_000;
const detectConfig = {
  baselineWindows: 10,
  minCount: 5,
  minAuthors: 4,
  zThreshold: 4.5,
  cooldownMs: 15 * MIN,
};

function run(minutes: number) {
  const windows = new WindowState({
    sizeMs: 10 * MIN,
    slideMs: MIN,
    latenessMs: 30_000,
    partitions: 1,
  });
  const detector = new TrendDetector(detectConfig);
  const trends: Trend[] = [];
  const alerts: TrendAlert[] = [];
  let lastEnd = 0;
  for (const p of trendStream(minutes, BURSTS)) {
    windows.add({
      partition: 0,
      time: Date.parse(p.created_at),
      author: p.did,
      uri: p.uri,
      keywords: keywords(p.text, p.hashtags),
      score: p.score,
    });
    for (const w of windows.closeReady()) {
      const r = detector.onClose(w);
      lastEnd = w.end;
      trends.push(...r.trends);
      alerts.push(...r.alerts);
    }
  }
  return { trends, alerts, detector, lastEnd };
}

Deno.test("multi-author bursts are detected within one slide of their start; the single-author burst and the background are not", () => {
  const { trends } = run(60);
  const first = (kw: string) => trends.find((t) => t.keyword === kw);
  assert.equal(
    first("eclipse")?.windowEnd,
    T0 + 31 * MIN,
    "eclipse: the window ending one slide after 30:00",
  );
  assert.equal(first("launch")?.windowEnd, T0 + 31 * MIN);
  assert.equal(first("spamcoin"), undefined, "one author cannot make a trend");
  const keywordsSeen = new Set(trends.map((t) => t.keyword));
  // "look" is in every burst post ("look at this #eclipse"): it trends with them.
  assert.deepEqual([...keywordsSeen].sort(), ["eclipse", "launch", "look"]);
  assert.ok(
    !keywordsSeen.has("coffee") && !keywordsSeen.has("morning"),
    "flat background never trends",
  );
});

Deno.test("simultaneous bursts are ranked by score", () => {
  const { trends } = run(35);
  const at31 = trends.filter((t) =>
    t.windowEnd === T0 + 31 * MIN && /eclipse|launch/.test(t.keyword)
  );
  assert.deepEqual(at31.map((t) => [t.keyword, t.rank > 0]), [["eclipse", true], [
    "launch",
    true,
  ]]);
  const eclipse = at31.find((t) => t.keyword === "eclipse")!;
  const launch = at31.find((t) => t.keyword === "launch")!;
  assert.ok(eclipse.rank < launch.rank && eclipse.zScore > launch.zScore);
  assert.equal(eclipse.uniqueAuthors, 15);
  assert.equal(eclipse.velocity, 15);
  assert.equal(eclipse.sampleUris.length, 3);
});

Deno.test("a keyword that keeps trending alerts once per cooldown, with updates only when it rises in rank", () => {
  const { trends, alerts } = run(60);
  const eclipseAlerts = alerts.filter((a) => a.keyword === "eclipse");
  const eclipseTrendWindows = trends.filter((t) => t.keyword === "eclipse").length;
  assert.ok(eclipseTrendWindows > 3, `it kept trending (${eclipseTrendWindows} windows)`);
  const news = eclipseAlerts.filter((a) => a.kind === "new");
  for (let i = 1; i < news.length; i++) {
    assert.ok(news[i].windowEnd - news[i - 1].windowEnd >= 15 * MIN, "one new alert per cooldown");
  }
  assert.equal(news[0].windowEnd, T0 + 31 * MIN);
  for (const u of eclipseAlerts.filter((a) => a.kind === "update")) {
    const before = [...eclipseAlerts].reverse().find((a) => a.windowEnd < u.windowEnd)!;
    assert.ok(u.rank < before.rank, "an update only when the rank rises");
  }
  assert.ok(eclipseAlerts.length < eclipseTrendWindows, "deduplicated");
});

Deno.test("alert state is pruned once its cooldown is over", () => {
  // Long enough for every burst to have left the window and then its cooldown to pass.
  const { alerts, detector, lastEnd } = run(75);
  const cooling = detector.toJSON().lastAlert;
  assert.ok(new Set(alerts.map((a) => a.keyword)).size > cooling.length, "some entries pruned");
  for (const [keyword, last] of cooling) {
    assert.ok(lastEnd - last.windowEnd < detectConfig.cooldownMs, `${keyword} kept past cooldown`);
  }
  const restored = TrendDetector.fromJSON(detectConfig, JSON.parse(JSON.stringify(detector)));
  assert.deepEqual(restored.toJSON(), detector.toJSON());
});

Deno.test("a detector checkpoint written before new voices were kept restores, scores and learns", () => {
  const { detector, lastEnd } = run(30);
  const snap = JSON.parse(JSON.stringify(detector));
  // The old format: nine entries per keyword, three observations per pending keyword.
  for (const [, st] of snap.kw) st.length = 9;
  for (const p of snap.pending) for (const [, obs] of p[2]) obs.length = 3;
  const old = TrendDetector.fromJSON(detectConfig, snap);
  const w = {
    start: lastEnd - 9 * MIN,
    end: lastEnd + MIN,
    keywords: new Map([["eclipse", {
      count: 40,
      uniqueAuthors: 40,
      sentimentSum: 0,
      samples: [],
    }]]),
  };
  for (let i = 0; i < 3; i++) old.onClose({ ...w, start: w.start + i * MIN, end: w.end + i * MIN });
  const states = old.toJSON().kw.map(([, st]) => st);
  assert.ok(states.every((st) => st.length === 11 && st.every((x) => x !== null)));
});
