import assert from "node:assert/strict";
import type { Fields, Logger } from "../../lib/log.ts";
import { CursorStore } from "./cursor_store.ts";
import { migrate, PgliteDb } from "../../db/mod.ts";
import type { Delivery, OutRecord, Producer } from "../../transport/mod.ts";
import { startFirehose } from "./firehose.ts";
import { MemoryTransport } from "../../transport/mod.ts";
import { UpstreamError } from "../../lib/errors.ts";
import { activeConditions } from "../../lib/health.ts";
import type { FrameSource } from "./firehose_sources.ts";
import { parseFrame } from "./jetstream.ts";

const DID = "did:plc:author1";
const TIME_US = 1_795_478_400_324_692;

function commit(
  commit: Record<string, unknown>,
  ev: Record<string, unknown> = {},
): string {
  return JSON.stringify({ did: DID, time_us: TIME_US, kind: "commit", commit, ...ev });
}

function postCreate(record: Record<string, unknown>, rkey = "3kpost1"): string {
  return commit({ rev: "r1", operation: "create", collection: "app.bsky.feed.post", rkey, record });
}

const validRecord = {
  $type: "app.bsky.feed.post",
  text: "Eclipse today #SolarEclipse with @bob.test and @bob.test #solareclipse https://x.test",
  langs: ["en", "es"],
  createdAt: "2026-11-24T01:02:03.5+01:00",
  facets: [
    {
      index: { byteStart: 14, byteEnd: 27 },
      features: [{ $type: "app.bsky.richtext.facet#tag", tag: "SolarEclipse" }],
    },
    {
      index: { byteStart: 33, byteEnd: 42 },
      features: [{ $type: "app.bsky.richtext.facet#mention", did: "did:plc:bob" }],
    },
    {
      index: { byteStart: 47, byteEnd: 56 },
      features: [{ $type: "app.bsky.richtext.facet#mention", did: "did:plc:bob" }],
    },
    {
      index: { byteStart: 57, byteEnd: 69 },
      features: [{ $type: "app.bsky.richtext.facet#tag", tag: "solareclipse" }],
    },
    {
      index: { byteStart: 70, byteEnd: 84 },
      features: [{ $type: "app.bsky.richtext.facet#link", uri: "https://x.test" }],
    },
  ],
};

Deno.test("a valid post create becomes PostData with hashtags and mentions from the facets", () => {
  assert.deepEqual(parseFrame(postCreate(validRecord)), {
    kind: "post",
    timeUs: TIME_US,
    post: {
      uri: `at://${DID}/app.bsky.feed.post/3kpost1`,
      did: DID,
      text: validRecord.text,
      langs: ["en", "es"],
      created_at: "2026-11-24T00:02:03.500Z",
      time_us: TIME_US,
      hashtags: ["solareclipse"],
      mentions: ["did:plc:bob"],
    },
  });
});

Deno.test("a post without langs or facets has empty langs, hashtags and mentions", () => {
  const r = parseFrame(
    postCreate({ $type: "app.bsky.feed.post", text: "", createdAt: "2026-11-24T00:00:00Z" }),
  );
  assert.equal(r.kind, "post");
  if (r.kind !== "post") return;
  assert.deepEqual(
    { langs: r.post.langs, hashtags: r.post.hashtags, mentions: r.post.mentions },
    { langs: [], hashtags: [], mentions: [] },
  );
});

Deno.test("deletes are reported as deletes, other collections and events as skipped", () => {
  const cases: Array<[string, string]> = [
    [commit({ operation: "delete", collection: "app.bsky.feed.post", rkey: "3kgone" }), "delete"],
    [
      commit({
        operation: "create",
        collection: "app.bsky.feed.like",
        rkey: "3klike",
        record: { $type: "app.bsky.feed.like", createdAt: "2026-11-24T00:00:00Z" },
      }),
      "skipped",
    ],
    [
      commit({
        operation: "update",
        collection: "app.bsky.feed.post",
        rkey: "3kpost1",
        record: validRecord,
      }),
      "skipped",
    ],
    [JSON.stringify({ did: DID, time_us: TIME_US, kind: "identity", identity: {} }), "skipped"],
    [JSON.stringify({ did: DID, time_us: TIME_US, kind: "account", account: {} }), "skipped"],
  ];
  for (const [frame, kind] of cases) {
    assert.deepEqual(parseFrame(frame), { kind, timeUs: TIME_US }, frame);
  }
});

Deno.test("frames that are not JSON or lack the event's fields are malformed", () => {
  const cases: Array<[string, RegExp, number | null]> = [
    ['{"did":"did:plc:x","time_us":1,', /not JSON/, null],
    ["", /not JSON/, null],
    ["null", /missing did or time_us/, null],
    [JSON.stringify({ did: DID, kind: "commit" }), /missing did or time_us/, null],
    [JSON.stringify({ time_us: TIME_US, kind: "commit" }), /missing did or time_us/, null],
    [JSON.stringify({ did: DID, time_us: TIME_US, kind: "commit" }), /without a commit/, TIME_US],
    [
      commit({ operation: "create", collection: "app.bsky.feed.post", record: validRecord }),
      /without an rkey/,
      TIME_US,
    ],
  ];
  for (const [frame, reason, timeUs] of cases) {
    const r = parseFrame(frame);
    assert.equal(r.kind, "malformed", frame);
    if (r.kind !== "malformed") continue;
    assert.match(r.reason, reason);
    assert.equal(r.timeUs, timeUs);
  }
});

/** Records that are JSON but fail @atproto/api's lexicon validation for app.bsky.feed.post. */
const invalidRecords: Array<[string, Record<string, unknown>, RegExp]> = [
  [
    "missing createdAt",
    { $type: "app.bsky.feed.post", text: "no date" },
    /must have the property "createdAt"/,
  ],
  [
    "text not a string",
    { $type: "app.bsky.feed.post", text: 42, createdAt: "2026-11-24T00:00:00Z" },
    /text must be a string/,
  ],
  [
    "text over 300 graphemes",
    { $type: "app.bsky.feed.post", text: "a".repeat(301), createdAt: "2026-11-24T00:00:00Z" },
    /text must not be longer than 300 graphemes/,
  ],
  [
    "text over 3000 bytes (UTF-8)",
    { $type: "app.bsky.feed.post", text: "é".repeat(1_501), createdAt: "2026-11-24T00:00:00Z" },
    /text must not be longer than 3000 characters/,
  ],
  [
    "missing $type",
    { text: "untyped", createdAt: "2026-11-24T00:00:00Z" },
    /\$type/,
  ],
  [
    "createdAt not a datetime",
    { $type: "app.bsky.feed.post", text: "when?", createdAt: "yesterday" },
    /createdAt must be an valid atproto datetime/,
  ],
];

Deno.test("records failing the app.bsky.feed.post lexicon are invalid", () => {
  for (const [what, record, reason] of invalidRecords) {
    const r = parseFrame(postCreate(record));
    assert.equal(r.kind, "invalid", what);
    if (r.kind !== "invalid") continue;
    assert.match(r.reason, reason, what);
    assert.equal(r.timeUs, TIME_US, what);
  }
});

/** A finite source of fixed frames (kind `replay`: the firehose ends when it is exhausted). */
function framesSource(frames: string[]): FrameSource {
  return {
    kind: "replay",
    async *open() {
      yield* frames;
    },
  };
}

function recordingProducer(): Producer & { sent: Array<{ topic: string; records: OutRecord[] }> } {
  const sent: Array<{ topic: string; records: OutRecord[] }> = [];
  return {
    sent,
    send(topic, records) {
      sent.push({ topic, records });
      return Promise.resolve(
        records.map((_, i): Delivery => ({ topic, partition: 0, offset: String(i) })),
      );
    },
    close: () => Promise.resolve(),
  };
}

function recordingLogger(lines: Array<{ msg: string; fields?: Fields }>): Logger {
  const log = (msg: string, fields?: Fields) => void lines.push({ msg, fields });
  const logger: Logger = {
    debug: log,
    info: log,
    warn: log,
    error: log,
    fatal: log,
    child: () => logger,
  };
  return logger;
}

Deno.test(
  "the firehose counts each kind of frame and produces only the valid posts, keyed by author",
  async () => {
    const db = await PgliteDb.open("memory://");
    try {
      await migrate(db);
      const frames = [
        postCreate(validRecord, "3kvalid1"),
        commit({ operation: "delete", collection: "app.bsky.feed.post", rkey: "3kgone" }),
        commit({ operation: "create", collection: "app.bsky.graph.follow", rkey: "3kf" }),
        JSON.stringify({ did: DID, time_us: TIME_US + 5, kind: "identity" }),
        "{broken",
        ...invalidRecords.map(([, record], i) => postCreate(record, `3kinvalid${i}`)),
        postCreate(
          { $type: "app.bsky.feed.post", text: "second", createdAt: "2026-11-24T00:00:00Z" },
          "3kvalid2",
        ),
      ];
      const producer = recordingProducer();
      const lines: Array<{ msg: string; fields?: Fields }> = [];
      const handle = startFirehose({
        source: framesSource(frames),
        producer,
        topic: "posts-raw-test",
        cursors: new CursorStore(db),
        name: "unit",
        rewindUs: 0,
        batchSize: 100,
        flushMs: 60_000,
        logger: recordingLogger(lines),
      });
      await handle.done;
      assert.deepEqual(handle.ref?.counts, {
        post: 2,
        delete: 1,
        skipped: 2,
        malformed: 1,
        invalid: invalidRecords.length,
        oversize: 0,
      });
      const produced = producer.sent.flatMap((s) => s.records.map((r) => ({ topic: s.topic, r })));
      assert.deepEqual(
        produced.map(({ topic, r }) => [topic, r.key, JSON.parse(String(r.value)).uri]),
        [
          ["posts-raw-test", DID, `at://${DID}/app.bsky.feed.post/3kvalid1`],
          ["posts-raw-test", DID, `at://${DID}/app.bsky.feed.post/3kvalid2`],
        ],
      );
      // Skipped and invalid frames still move the cursor: they are never read again.
      assert.equal(await new CursorStore(db).get("unit"), TIME_US + 5);
      // Malformed and invalid frames are logged with their reason and a sample, the first five
      // of each kind (then every thousandth).
      const warned = (kind: string) => lines.filter((l) => l.msg === `${kind} frame skipped`);
      assert.deepEqual(warned("malformed").map((l) => l.fields?.sample), ["{broken"]);
      assert.equal(warned("invalid").length, 5);
      assert.match(String(warned("invalid")[0].fields?.reason), /createdAt/);
    } finally {
      await db.close();
    }
  },
);

Deno.test(
  "a post too large for the topic is skipped and counted; the others are sent, no reconnect",
  async () => {
    const db = await PgliteDb.open("memory://");
    try {
      await migrate(db);
      const t = new MemoryTransport();
      t.broker.topicLimits.set("posts-raw-small", 2_300);
      // 290 emoji: a valid post (at most 300 graphemes), 1,160 bytes of text, over the limit.
      const huge = {
        $type: "app.bsky.feed.post",
        text: "😀".repeat(290),
        createdAt: "2026-11-24T00:00:00Z",
      };
      const frames = [
        postCreate(validRecord, "3kbefore"),
        postCreate(huge, "3khuge"),
        postCreate(validRecord, "3kafter"),
      ];
      const lines: Array<{ msg: string; fields?: Fields }> = [];
      const handle = startFirehose({
        source: framesSource(frames),
        producer: await t.producer(),
        topic: "posts-raw-small",
        cursors: new CursorStore(db),
        name: "unit",
        rewindUs: 0,
        batchSize: 100,
        flushMs: 60_000,
        logger: recordingLogger(lines),
      });
      await handle.done;
      assert.equal(handle.ref?.counts.oversize, 1);
      assert.equal(handle.ref?.reconnects, 0);
      assert.equal(handle.ref?.sendFailures, 0);
      const sent = t.broker.topic("posts-raw-small").partitions.flat();
      assert.deepEqual(
        sent.map((m) => JSON.parse(new TextDecoder().decode(m.value!)).uri.split("/").pop()),
        ["3kbefore", "3kafter"],
      );
      assert.equal(lines.filter((l) => l.msg === "post too large for the topic skipped").length, 1);
    } finally {
      await db.close();
    }
  },
);

Deno.test(
  "a failing send is visible: counted and a /ready condition until a send succeeds",
  async () => {
    const db = await PgliteDb.open("memory://");
    try {
      await migrate(db);
      let calls = 0;
      const seenConditions: string[][] = [];
      const producer: Producer = {
        send(topic, records) {
          seenConditions.push(activeConditions().map((c) => c.name));
          if (++calls <= 2) return Promise.reject(new UpstreamError("BROKER_DOWN", "no broker"));
          return Promise.resolve(records.map((_, i) => ({ topic, partition: 0, offset: `${i}` })));
        },
        close: () => Promise.resolve(),
      };
      const handle = startFirehose({
        source: framesSource([postCreate(validRecord, "3kone")]),
        producer,
        topic: "posts-raw-test",
        cursors: new CursorStore(db),
        name: "unit",
        rewindUs: 0,
        batchSize: 100,
        flushMs: 60_000,
        logger: recordingLogger([]),
        reconnectMs: 5,
      });
      await handle.done;
      assert.equal(handle.ref?.sendFailures, 2);
      assert.equal(handle.ref?.reconnects, 2);
      assert.deepEqual(seenConditions, [[], ["firehose"], ["firehose"]]);
      assert.deepEqual(activeConditions(), [], "cleared by the send that succeeded");
    } finally {
      await db.close();
    }
  },
);
