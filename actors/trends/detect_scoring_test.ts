/**
 * Scoring with fake time: windows built from hand-made events (event time is the only clock),
 * one minute slides, a 10-minute window, a flat background of 40 words from 400 authors.
 */
import assert from "node:assert/strict";
import { TrendDetector } from "./detect.ts";
import type { DetectConfig, Trend, TrendAlert } from "./detect.ts";
import { WindowState } from "./windows.ts";

const MIN = 60_000;
const config: DetectConfig = {
  baselineWindows: 10,
  minCount: 5,
  minAuthors: 4,
  zThreshold: 4.5,
  cooldownMs: 15 * MIN,
};

type Extra = (minute: number) => Array<{ author: string; words: string[]; text?: number }>;

/** Runs `minutes` of background (each minute 200 posts of 3 words) plus `extra` posts. */
function run(minutes: number, extra: Extra) {
  const w = new WindowState({ sizeMs: 10 * MIN, slideMs: MIN, latenessMs: 0, partitions: 1 });
  const d = new TrendDetector(config);
  const out: Array<{ end: number; trends: Trend[]; alerts: TrendAlert[]; rising: Trend[] }> = [];
  let n = 0, seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let m = 0; m < minutes; m++) {
    const posts = Array.from({ length: 200 }, () => ({
      author: `bg${Math.floor(rand() * 400)}`,
      words: [0, 1, 2].map(() => `word${Math.floor(rand() * 40)}`),
      text: undefined as number | undefined,
    }));
    posts.push(...extra(m).map((p) => ({ ...p, text: p.text })));
    posts.forEach((p, i) => {
      const time = m * MIN + Math.floor((i * MIN) / posts.length);
      w.add({
        partition: 0,
        time,
        author: p.author,
        uri: `u${n++}`,
        keywords: p.words,
        text: p.text,
        score: 0,
      });
    });
    for (const c of w.closeReady()) out.push({ end: c.end, ...d.onClose(c) });
  }
  return out;
}

const alertsOn = (r: ReturnType<typeof run>, k: string) =>
  r.flatMap((x) => x.alerts).filter((a) => a.keyword === k && a.kind === "new");

Deno.test("a flat background never alerts", () => {
  assert.deepEqual(run(60, () => []).flatMap((x) => x.alerts), []);
});

Deno.test("one account or a ring of three cannot trend a keyword, however much they post", () => {
  const r = run(60, (m) =>
    m < 20 ? [] : Array.from({ length: 60 }, (_, i) => ({
      author: `ring${i % 3}`,
      words: ["pumpcoin", "word1"],
    })));
  assert.deepEqual(alertsOn(r, "pumpcoin"), []);
  assert.deepEqual(alertsOn(r, "word1"), []);
});

Deno.test("a ring of three that skips every other slide (all new voices each time it posts) cannot trend", () => {
  const r = run(90, (m) =>
    m < 20 || m % 2 ? [] : Array.from({ length: 30 }, (_, i) => ({
      author: `ring${i % 3}`,
      words: ["pumpcoin", "word1"],
    })));
  assert.deepEqual(alertsOn(r, "pumpcoin"), []);
  assert.deepEqual(alertsOn(r, "word1"), []);
});

Deno.test("identical texts from many accounts are one voice (a bot pulse does not trend)", () => {
  const r = run(
    60,
    (m) =>
      m === 30
        ? Array.from({ length: 30 }, (_, i) => ({ author: `bot${i}`, words: ["promo"], text: 42 }))
        : [],
  );
  assert.deepEqual(alertsOn(r, "promo"), []);
});

Deno.test("a multi-author burst alerts in its first slide and stays ranked while it runs", () => {
  const r = run(
    60,
    (m) =>
      m >= 30 && m < 45
        ? Array.from({ length: 12 }, (_, i) => ({ author: `fan${m}-${i}`, words: ["eclipse"] }))
        : [],
  );
  const a = alertsOn(r, "eclipse");
  assert.equal(a.length, 1);
  assert.equal(a[0].windowEnd, 31 * MIN);
  assert.ok(a[0].confidence! > 0.99, `confidence ${a[0].confidence}`);
  const during = r.filter((x) => x.end > 31 * MIN && x.end <= 45 * MIN);
  const ranked = during.filter((x) => x.trends.some((t) => t.keyword === "eclipse")).length;
  assert.equal(ranked, during.length, "the burst is not its own baseline");
});

Deno.test("an existing keyword at three times its rate alerts; volume growth alone does not", () => {
  const r = run(
    60,
    (m) =>
      m >= 30 && m < 40
        ? Array.from({ length: 30 }, (_, i) => ({ author: `x${m}-${i}`, words: ["word3"] }))
        : [],
  );
  assert.equal(alertsOn(r, "word3").length, 1);
  const grow = run(
    60,
    (m) =>
      Array.from({ length: m * 4 }, (_, i) => ({ author: `g${m}-${i}`, words: [`word${i % 40}`] })),
  );
  assert.deepEqual(grow.flatMap((x) => x.alerts), []);
});

Deno.test("onsets at a fixed interval become periodic and stop alerting", () => {
  const r = run(
    150,
    (m) =>
      m % 30 === 15
        ? Array.from({ length: 25 }, (_, i) => ({ author: `p${m}-${i}`, words: ["standup"] }))
        : [],
  );
  const a = alertsOn(r, "standup");
  assert.ok(a.length <= 2, `alerted ${a.length} times`);
  assert.ok(r.some((x) => x.trends.some((t) => t.keyword === "standup" && t.periodic)));
});

Deno.test("slow organic growth is rising, not an alert", () => {
  const r = run(
    130,
    (m) =>
      Array.from(
        { length: Math.round(4 * 2 ** (m / 60)) },
        (_, i) => ({ author: `r${m}-${i}`, words: ["gardening"] }),
      ),
  );
  assert.deepEqual(alertsOn(r, "gardening"), []);
  assert.ok(r.some((x) => x.rising.some((t) => t.keyword === "gardening")), "listed as rising");
});
