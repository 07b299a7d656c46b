/** The firehose reader against a local Jetstream server, real Kafka and PostgreSQL. */
import assert from "node:assert/strict";
import { startFirehose } from "../actors/social/firehose.ts";
import { JetstreamSource, ReplaySource } from "../actors/social/firehose_sources.ts";
import { createLogger } from "../lib/log.ts";
import type { PostData } from "../schemas/social.ts";
import { CursorStore } from "../actors/social/cursor_store.ts";
import { migrate } from "../db/mod.ts";
import { JetstreamStub } from "./helpers/jetstream_stub.ts";
import { readTopic, RoleProcess, sandbox, until } from "./helpers/mod.ts";
import type { Sandbox } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SAMPLE = new URL("../samples/jetstream_sample.ndjson", import.meta.url);
const lines = (await Deno.readTextFile(SAMPLE)).split("\n").filter(Boolean);
const POSTS = 483; // creates of app.bsky.feed.post in the sample (see samples/generate.ts)

async function reader(s: Sandbox, source: JetstreamSource | ReplaySource) {
  await migrate(s.db);
  const producer = await s.kafka.producer();
  const h = startFirehose({
    source,
    producer,
    topic: s.postsRaw,
    cursors: new CursorStore(s.db),
    name: "test",
    rewindUs: 2_000_000,
    batchSize: 50,
    flushMs: 50,
    logger: createLogger("test"),
    reconnectMs: 50,
  });
  return {
    status: h.ref!,
    async stop() {
      await h.stop();
      await producer.close();
    },
  };
}

const decode = (m: { value: Uint8Array | null }) =>
  JSON.parse(new TextDecoder().decode(m.value!)) as PostData;

/** Every distinct post URI on posts-raw, reading until `want` of them are there. */
async function distinctUris(s: Sandbox, want: number): Promise<Set<string>> {
  const uris = new Set<string>();
  await readTopic(s, s.postsRaw, (got) => {
    for (const m of got.splice(0)) uris.add(decode(m).uri);
    return uris.size >= want;
  });
  return uris;
}

Deno.test(
  "every post of the stream reaches posts-raw; deletes, other collections and malformed frames are counted and skipped",
  opts,
  async () => {
    const s = await sandbox();
    const stub = new JetstreamStub(lines);
    const r = await reader(s, new JetstreamSource(stub.url));
    try {
      const got = (await readTopic(s, s.postsRaw, POSTS)).map(decode);
      assert.equal(new Set(got.map((p) => p.uri)).size, POSTS);
      assert.equal(stub.connections[0].get("wantedCollections"), "app.bsky.feed.post");
      assert.equal(stub.connections[0].has("cursor"), false);
      await until(
        "every frame counted",
        () => Object.values(r.status.counts).reduce((a, b) => a + b) === lines.length,
      );
      assert.deepEqual(r.status.counts, {
        post: 483,
        delete: 49,
        skipped: 57,
        malformed: 11,
        invalid: 0,
        oversize: 0,
      });
      assert.equal(r.status.state, "connected");
      const tagged = got.find((p) => p.hashtags.includes("solareclipse"))!;
      assert.match(tagged.uri, /^at:\/\/did:plc:sample\d{4}\/app\.bsky\.feed\.post\/3sample\d+$/);
      assert.deepEqual(tagged.langs, ["en"]);
      const mention = got.find((p) => p.mentions.length > 0)!;
      assert.match(mention.mentions[0], /^did:plc:sample/);
      assert.match(mention.text, /^@\w+\.example /);
    } finally {
      await r.stop();
      await stub.shutdown();
      await s.dispose();
    }
  },
);

Deno.test(
  "a cut connection is resumed from the saved cursor minus the rewind, with no gap",
  opts,
  async () => {
    const s = await sandbox();
    const stub = new JetstreamStub(lines, { dropAfter: 250 });
    const r = await reader(s, new JetstreamSource(stub.url));
    try {
      const got = (await readTopic(s, s.postsRaw, POSTS)).map(decode);
      await until("a reconnect", () => stub.connections.length >= 2);
      const cursor = Number(stub.connections[1].get("cursor"));
      const saved = await new CursorStore(s.db).get("test");
      assert.ok(cursor > 0, "the reconnect carries a cursor");
      assert.ok(cursor <= saved!, "resuming no later than the saved cursor");
      assert.ok(got.length >= POSTS);
      assert.equal((await distinctUris(s, POSTS)).size, POSTS, "no post missing, overlap allowed");
      assert.ok(r.status.reconnects >= 1);
    } finally {
      await r.stop();
      await stub.shutdown();
      await s.dispose();
    }
  },
);

Deno.test(
  "a firehose process killed with SIGKILL resumes from its cursor: no post is missing",
  opts,
  async () => {
    const s = await sandbox({
      FIREHOSE_NAME: "kill-test",
      FIREHOSE_BATCH_SIZE: "20",
      FIREHOSE_FLUSH_MS: "20",
    });
    // Paced (about 3 s for the sample) so the kill lands mid-stream.
    const stub = new JetstreamStub(lines, { paceMs: 5 });
    const env = { ...s.env, FIREHOSE_URL: stub.url };
    const first = new RoleProcess("firehose", env);
    let second: RoleProcess | null = null;
    try {
      const cursors = new CursorStore(s.db);
      await until(
        "a saved cursor",
        async () => (await cursors.get("kill-test")) !== null,
        60_000,
        5,
      );
      first.kill("SIGKILL");
      await first.exited;
      const saved = (await cursors.get("kill-test"))!;
      const lastUs = Math.max(...lines.map((l) => Number(/"time_us":(\d+)/.exec(l)?.[1] ?? 0)));
      assert.ok(saved < lastUs, "killed before the end of the stream");
      second = new RoleProcess("firehose", env);
      await until("the second connection", () => stub.connections.length >= 2, 60_000);
      assert.equal(Number(stub.connections[1].get("cursor")), saved - 5_000_000);
      const uris = await distinctUris(s, POSTS);
      assert.equal(uris.size, POSTS);
    } finally {
      await first.dispose();
      await second?.dispose();
      await stub.shutdown();
      await s.dispose();
    }
  },
);

Deno.test(
  "a silent (half-open) connection is closed after the idle timeout and resumed from the cursor",
  opts,
  async () => {
    const s = await sandbox();
    // After the sample the stub keeps the socket open and sends nothing, as a stalled peer would.
    const stub = new JetstreamStub(lines);
    const source = new JetstreamSource(stub.url, { idleTimeoutMs: 500 });
    const r = await reader(s, source);
    try {
      assert.equal((await distinctUris(s, POSTS)).size, POSTS);
      await until("a reconnect after the stall", () => stub.connections.length >= 2, 30_000);
      assert.ok(Number(stub.connections[1].get("cursor")) > 0, "the reconnect carries a cursor");
      assert.match(String(r.status.lastError), /no frame for 500 ms/);
    } finally {
      await r.stop();
      await stub.shutdown();
      await s.dispose();
    }
  },
);

Deno.test("frames left unread past maxQueued close the connection; queued ones are still read", async () => {
  const stub = new JetstreamStub(lines);
  const source = new JetstreamSource(stub.url, { maxQueued: 100 });
  const ac = new AbortController();
  const it = source.open(null, ac.signal)[Symbol.asyncIterator]();
  try {
    await it.next(); // connected; the reader then falls behind
    await until("the source to give up", () => source.lastCloseReason !== null, 10_000);
    let read = 1;
    while (!(await it.next()).done) read++;
    assert.match(source.lastCloseReason!, /100 frames queued unread/);
    assert.ok(read <= 101, `at most the queue is read (${read})`);
    assert.ok(read >= 100, `everything queued is read (${read})`);
  } finally {
    ac.abort();
    await it.return?.();
    await stub.shutdown();
  }
});
