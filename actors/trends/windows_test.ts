import assert from "node:assert/strict";
import { keywords } from "./keywords.ts";
import { WindowState } from "./windows.ts";
import type { WindowEvent } from "./windows.ts";

const MIN = 60_000;
const cfg = { sizeMs: 10 * MIN, slideMs: MIN, latenessMs: 30_000, partitions: 1 };
const ev = (time: number, author = "a", kws = ["x"], partition = 0): WindowEvent => ({
  partition,
  time,
  author,
  uri: `at://${author}/${time}`,
  keywords: kws,
  score: 0.5,
});

Deno.test("an event lands in every window that covers it (size / slide windows)", () => {
  const w = new WindowState(cfg);
  w.add(ev(30 * MIN + 5_000));
  w.add(ev(100 * MIN)); // pushes the watermark far ahead
  const closed = w.closeReady().filter((c) => c.keywords.size > 0 && c.start < 40 * MIN);
  assert.deepEqual(closed.map((c) => c.start / MIN), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  assert.ok(closed.every((c) => c.end - c.start === 10 * MIN));
});

Deno.test("window boundaries: start inclusive, end exclusive", () => {
  const w = new WindowState(cfg);
  w.add(ev(10 * MIN)); // exactly on a boundary: in [1..10]-minute starts, not in the one ending at 10
  w.add(ev(100 * MIN));
  const starts = w.closeReady().filter((c) =>
    c.keywords.get("x")?.count === 1 && c.start < 50 * MIN
  )
    .map((c) => c.start / MIN);
  assert.deepEqual(starts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

Deno.test("windows close in order once the watermark passes their end, empty ones included", () => {
  const w = new WindowState(cfg);
  w.add(ev(0));
  w.add(ev(10 * MIN + 29_000)); // watermark 9:59: windows ending by then close
  assert.deepEqual(w.closeReady().map((c) => c.start / MIN), [-9, -8, -7, -6, -5, -4, -3, -2, -1]);
  w.add(ev(25 * MIN + 30_000)); // watermark 25:00
  const next = w.closeReady();
  assert.deepEqual(next.map((c) => c.start / MIN), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
  ]);
  assert.equal(
    next.find((c) => c.start === 11 * MIN)!.keywords.size,
    0,
    "an empty window still closes",
  );
});

Deno.test("events later than the allowed lateness are counted and dropped", () => {
  const w = new WindowState(cfg);
  w.add(ev(20 * MIN));
  assert.equal(w.add(ev(20 * MIN - 20_000)), "counted", "within lateness: accepted");
  assert.equal(w.add(ev(20 * MIN - 31_000)), "late", "beyond lateness: late");
  assert.equal(w.late, 1);
});

Deno.test("unique authors are exact; counts and sentiment add up", () => {
  const w = new WindowState(cfg);
  ["a", "b", "a", "c", "a"].forEach((a, i) => w.add({ ...ev(5 * MIN, a), uri: `at://${a}/p${i}` }));
  w.add(ev(100 * MIN));
  const win = w.closeReady().find((c) => c.start === 5 * MIN)!;
  const agg = win.keywords.get("x")!;
  assert.equal(agg.count, 5);
  assert.equal(agg.uniqueAuthors, 3);
  assert.equal(agg.sentimentSum, 2.5);
  assert.equal(agg.samples.length, 3);
});

Deno.test("the watermark waits for every partition; lateness is per partition", () => {
  const w = new WindowState({ ...cfg, partitions: 2 });
  w.add(ev(50 * MIN, "a", ["x"], 0));
  assert.deepEqual(w.closeReady(), [], "partition 1 has said nothing yet");
  assert.equal(
    w.add(ev(5 * MIN, "b", ["x"], 1)),
    "counted",
    "partition 1 is not late by partition 0's clock",
  );
  w.add(ev(50 * MIN, "b", ["x"], 1));
  assert.ok(w.closeReady().length > 0);
});

Deno.test("a snapshot restores the same state", () => {
  const a = new WindowState(cfg);
  for (let i = 0; i < 50; i++) a.add(ev(i * 20_000, `u${i % 7}`, [`k${i % 5}`]));
  const b = WindowState.fromJSON(cfg, JSON.parse(JSON.stringify(a.toJSON())));
  for (const s of [a, b]) s.add(ev(200 * MIN));
  const dump = (s: WindowState) =>
    JSON.stringify(s.closeReady().map((c) => [c.start, [...c.keywords]]));
  assert.equal(dump(b), dump(a));
});

Deno.test("keywords: lowercase, URLs, mentions and stop words out, hashtags kept", () => {
  assert.deepEqual(
    keywords("@bob.example The SOLAR eclipse is visible! https://x.example/a #SolarEclipse 2026", [
      "eclipse",
    ]).sort(),
    ["eclipse", "solar", "solareclipse", "visible"],
  );
  assert.deepEqual(keywords("El partido de fútbol", []).sort(), ["fútbol", "partido"]);
  assert.ok(keywords("solar eclipse now", [], { bigrams: true }).includes("solar eclipse"));
});

Deno.test("sentiment sums and sample posts do not depend on the order events arrive in", () => {
  const scores = [0.1, 0.2, 0.3, -0.7, 0.05, 0.9, -0.33];
  const events = scores.map((score, i) => ({ ...ev(MIN + i * 1_000, `u${i}`), score }));
  const run = (order: WindowEvent[]) => {
    const w = new WindowState({ ...cfg, partitions: 1 });
    for (const e of order) w.add(e);
    w.add(ev(100 * MIN));
    return w.closeReady().find((c) => c.start === MIN)!.keywords.get("x")!;
  };
  const a = run(events), b = run([...events].reverse());
  assert.equal(a.sentimentSum, b.sentimentSum);
  assert.equal(a.sentimentSum, 0.52);
  assert.deepEqual(a.samples, b.samples);
  assert.deepEqual(a.samples, events.slice(0, 3).map((e) => e.uri));
});

Deno.test("an event dated beyond the skew past its receive time counts as future and never moves the watermark", () => {
  const w = new WindowState(cfg);
  const at = (time: number, receivedAt = time) => ({ ...ev(time), receivedAt });
  assert.equal(w.add(at(10 * MIN)), "counted");
  assert.equal(w.add(at(10 * MIN + 4 * MIN, 10 * MIN)), "counted", "within the 5-minute skew");
  assert.equal(w.add(at(400 * 24 * 60 * MIN, 10 * MIN + 1_000)), "future");
  assert.equal(w.future, 1);
  assert.ok(w.watermark() < 15 * MIN, "the watermark stays where the normal posts put it");
  assert.ok(w.closeReady().every((c) => c.end <= 15 * MIN));
  assert.equal(w.add(at(15 * MIN)), "counted", "the posts after it are not late");
  w.add(at(100 * MIN));
  const win = w.closeReady().find((c) => c.start === 6 * MIN)!;
  assert.equal(win.keywords.get("x")!.count, 3);
  assert.equal(w.late, 0);
});

Deno.test("a backdated post does not pull the first window back by a year", () => {
  const w = new WindowState(cfg);
  const year = 365 * 24 * 60 * MIN;
  assert.equal(w.add({ ...ev(100 * MIN - year), receivedAt: 100 * MIN }), "late");
  w.add({ ...ev(100 * MIN), receivedAt: 100 * MIN });
  w.add({ ...ev(120 * MIN), receivedAt: 120 * MIN });
  assert.equal(w.closeReady()[0].start, 91 * MIN);
});

Deno.test("a URI already in an open pane counts once, across a checkpoint, and is forgotten with its pane", () => {
  const first = ev(5 * MIN, "a");
  let w = new WindowState(cfg);
  assert.equal(w.add(first), "counted");
  assert.equal(w.add({ ...first, author: "b", score: -1 }), "duplicate", "same URI: first wins");
  w = WindowState.fromJSON(cfg, JSON.parse(JSON.stringify(w.toJSON())));
  assert.equal(w.add(first), "duplicate", "the seen set is in the checkpoint");
  assert.equal(w.duplicates, 2);
  assert.ok(JSON.stringify(w.toJSON()).includes(`/${5 * MIN}`));
  w.add(ev(16 * MIN, "c"));
  const closed = w.closeReady();
  assert.equal(closed.at(-1)!.start, 5 * MIN, "the last window holding the post is closed");
  for (const c of closed.filter((c) => c.keywords.size)) {
    assert.deepEqual(c.keywords.get("x"), {
      count: 1,
      uniqueAuthors: 1,
      texts: 1,
      sentimentSum: 0.5,
      samples: [first.uri],
    });
  }
  assert.ok(!JSON.stringify(w.toJSON()).includes(`/${5 * MIN}`), "its pane and URI are pruned");
  assert.equal(w.add(first), "late", "a copy after that is late anyway");
});

Deno.test("the checkpoint holds each event once, not once per overlapping window", () => {
  const w = new WindowState(cfg);
  for (let i = 0; i < 600; i++) w.add(ev(i * 1_000, `did:plc:author${i}`, ["x", "y", "z"]));
  const snap = JSON.stringify(w.toJSON());
  assert.equal(snap.split('did:plc:author123"').length - 1, 1, "one copy of each author");
  assert.ok(snap.length < 45_000, `snapshot of ${snap.length} bytes`);
});

Deno.test("a checkpoint written before panes (whole windows) still restores and closes the same", () => {
  const old = {
    windows: [[5 * MIN, [["x", {
      count: 2,
      authors: ["a", "b"],
      sentimentSum: 0.7,
      samples: [],
    }]]]],
    partitionMax: [14 * MIN],
    nextClose: 5 * MIN,
    closedEnd: 14 * MIN,
    late: 4,
  } as Parameters<typeof WindowState.fromJSON>[1];
  const w = WindowState.fromJSON(cfg, old);
  w.add(ev(14 * MIN + 10_000, "c"));
  w.add(ev(30 * MIN, "d"));
  const first = w.closeReady()[0];
  assert.equal(first.start, 5 * MIN);
  assert.deepEqual(first.keywords.get("x"), {
    count: 3,
    uniqueAuthors: 3,
    texts: 3,
    sentimentSum: 1.2,
    samples: [`at://c/${14 * MIN + 10_000}`],
  });
  assert.equal(w.late, 4);
});

Deno.test("an incremental checkpoint (meta plus per-batch pane deltas) restores the same windows", () => {
  const live = new WindowState({ ...cfg, partitions: 2 });
  const saved: Array<[number, ReturnType<WindowState["takeChanges"]>["deltas"][number][1]]> = [];
  let dropped = new Set<number>();
  const save = () => {
    const ch = live.takeChanges();
    dropped = new Set([...dropped, ...ch.dropped]);
    for (const d of ch.deltas) saved.push(d);
    for (let i = saved.length - 1; i >= 0; i--) if (dropped.has(saved[i][0])) saved.splice(i, 1);
  };
  let t = 0;
  for (let batch = 0; batch < 40; batch++) {
    for (let i = 0; i < 25; i++) {
      t += 1_700;
      live.add(ev(t, `au${(batch * 7 + i) % 13}`, [`k${i % 5}`, "x"], i % 2));
    }
    live.closeReady();
    save();
  }
  // Each save holds only what the batch added: far less than the whole state.
  const one = live.takeChanges();
  assert.equal(one.deltas.length, 0);
  const restored = WindowState.restore({ ...cfg, partitions: 2 }, live.meta(), saved);
  assert.deepEqual(restored.toJSON(), live.toJSON());
  for (const w of [live, restored]) w.add(ev(t + 30 * MIN, "z", ["x"], 0));
  for (const w of [live, restored]) w.add(ev(t + 30 * MIN, "z", ["x"], 1));
  assert.deepEqual(
    restored.closeReady().map((w) => [w.start, [...w.keywords]]),
    live.closeReady().map((w) => [w.start, [...w.keywords]]),
  );
});

Deno.test("closing a window drops the panes no open window covers", () => {
  const w = new WindowState(cfg);
  w.add(ev(0));
  w.add(ev(5 * MIN));
  assert.deepEqual(w.takeChanges().deltas.map(([s]) => s), [0, 5 * MIN]);
  w.add(ev(40 * MIN));
  w.closeReady();
  const ch = w.takeChanges();
  assert.deepEqual(ch.dropped, [0, 5 * MIN]);
  assert.deepEqual(ch.deltas.map(([s]) => s), [40 * MIN]);
});

Deno.test("a slice's new voices leave out the accounts already heard in the slide before", () => {
  const s = new WindowState({ ...cfg, latenessMs: 0 });
  // Minute 0: r1, r2 and a; minute 1: r1, r2, b and c; minute 2: r1, r2, a, d and e.
  const by = [["r1", "r2", "a"], ["r1", "r2", "b", "c"], ["r1", "r2", "a", "d", "e"]];
  by.forEach((authors, m) => authors.forEach((au, i) => s.add(ev(m * MIN + i * 1_000, au))));
  s.add(ev(20 * MIN, "z", ["y"]));
  const w = s.closeReady().find((c) => c.end === 3 * MIN)!;
  // Newest slide 5 voices, newest two 7 (r1 r2 a b c d e); new: a d e (absent from minute 1),
  // and b c d e (absent from minute 0, which had r1 r2 a).
  assert.deepEqual(w.slice!.authors.get("x"), [5, 7, 3, 4]);
});
