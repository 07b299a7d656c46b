/**
 * The social stream end to end: the replay file → firehose → classifier → writer, on real
 * Kafka, PostgreSQL and the MongoDB wire server; and the Ollama backend against a stub.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { parseFrame } from "../actors/social/jetstream.ts";
import { JetstreamStub } from "./helpers/jetstream_stub.ts";
import { OllamaStub } from "./helpers/ollama_stub.ts";
import { listeningUrl, RoleProcess, sandbox, until } from "./helpers/mod.ts";
import { sinkCounts } from "./helpers/posts.ts";
import { CursorStore } from "../actors/social/cursor_store.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SAMPLE = new URL("../samples/jetstream_sample.ndjson", import.meta.url).pathname;
const posts = (await Deno.readTextFile(SAMPLE)).split("\n").filter(Boolean).map(parseFrame)
  .flatMap((r) => r.kind === "post" ? [r.post] : []);

const replay = {
  FIREHOSE_REPLAY_FILE: SAMPLE,
  FIREHOSE_REPLAY_RATE: "0",
  WRITER_SINKS: "postgres,mongodb",
};

Deno.test(
  "replay → firehose → classifier → writer: every valid post once in MongoDB and in PostgreSQL",
  opts,
  async () => {
    const s = await sandbox(replay);
    const proc = new RoleProcess("firehose,classifier,writer", s.env);
    try {
      await until(
        `${posts.length} posts in both sinks`,
        async () => {
          const c = await sinkCounts(s);
          return c.postgres >= posts.length && c.mongodb >= posts.length;
        },
        90_000,
        200,
      );
      assert.deepEqual(await sinkCounts(s), { postgres: posts.length, mongodb: posts.length });
      const btc = posts.find((p) => p.text.includes("$BTC"))!;
      const [row] = await s.db.query<Record<string, unknown>>(
        `SELECT * FROM classified_posts WHERE uri = $1`,
        [btc.uri],
      );
      assert.equal(row.did, btc.did);
      assert.equal(row.asset_class, "crypto");
      assert.equal(row.model, "local:afinn-165-fin");
      assert.deepEqual((row.entities as { tickers: string[] }).tickers, ["$BTC"]);
      assert.ok(["positive", "negative", "neutral"].includes(row.sentiment as string));
      const ja = posts.find((p) => p.langs[0] === "ja")!;
      const client = new MongoClient(s.env.MONGODB_URL);
      try {
        const doc = await client.db().collection(s.env.MONGODB_COLLECTION).findOne({
          _id: ja.uri as never,
        });
        assert.equal(doc?.sentiment, "neutral");
        assert.ok((doc?.confidence as number) <= 0.2);
        assert.equal(doc?.text, ja.text);
        assert.deepEqual(doc?.hashtags, ja.hashtags);
      } finally {
        await client.close();
      }
    } finally {
      await proc.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "Ollama backend against the stub: answers stored; timeouts, 500s and malformed JSON fall back and are counted",
  opts,
  async () => {
    const stub = new OllamaStub();
    const said = (body: { messages: Array<{ content: string }> }) => body.messages.at(-1)!.content;
    stub.byRequest = (body) => {
      const text = said(body);
      if (text.includes("Terrible traffic")) return "500";
      if (text.includes("Bitcoin just crossed")) return "malformed";
      if (text.includes("Gold is shining")) return "hang";
      return "valid";
    };
    const expect = {
      error: posts.filter((p) => p.text.includes("Terrible traffic")).length,
      invalid: posts.filter((p) => p.text.includes("Bitcoin just crossed")).length,
      timeout: posts.filter((p) => p.text.includes("Gold is shining")).length,
    };
    assert.ok(expect.error > 0 && expect.invalid > 0 && expect.timeout > 0);
    const s = await sandbox({
      ...replay,
      CLASSIFIER_BACKEND: "ollama",
      OLLAMA_URL: stub.url,
      OLLAMA_TIMEOUT_MS: "2000", // only the "hang" posts time out, even on a loaded machine
      OLLAMA_CONCURRENCY: "4",
      // Per-post fallbacks are what this test counts: keep the circuit closed.
      OLLAMA_BREAKER_FAILURES: "1000000",
      OLLAMA_SLOW_MS: "600000",
    });
    const proc = new RoleProcess("firehose,classifier,writer,api", s.env);
    try {
      const api = await listeningUrl(proc);
      await until(
        `${posts.length} posts stored`,
        async () => {
          const c = await sinkCounts(s);
          return c.postgres >= posts.length && c.mongodb >= posts.length;
        },
        120_000,
        200,
      );
      const stats = await (await fetch(`${api}/stats`)).json();
      assert.deepEqual(stats.social.classifierFallbacks, expect);
      const models = await s.db.query<{ model: string; n: number }>(
        `SELECT model, count(*)::int AS n FROM classified_posts GROUP BY model ORDER BY model`,
      );
      const fallbacks = expect.error + expect.invalid + expect.timeout;
      assert.deepEqual(models, [
        { model: "local:afinn-165-fin", n: fallbacks },
        { model: "ollama:granite3.3:2b", n: posts.length - fallbacks },
      ]);
      assert.equal(stub.requests[0].model, "granite3.3:2b");
    } finally {
      await proc.dispose();
      await stub.shutdown();
      await s.dispose();
    }
  },
);

Deno.test(
  "a hanging Ollama opens the classifier's circuit: posts go to local at once instead of waiting out each timeout",
  opts,
  async () => {
    const stub = new OllamaStub();
    stub.script([], "hang");
    const s = await sandbox({
      ...replay,
      CLASSIFIER_BACKEND: "ollama",
      OLLAMA_URL: stub.url,
      // Without the breaker every post would wait out this timeout (4 at a time).
      OLLAMA_TIMEOUT_MS: "120000",
      OLLAMA_CONCURRENCY: "4",
      OLLAMA_SLOW_MS: "300",
      OLLAMA_BREAKER_FAILURES: "1",
      OLLAMA_BREAKER_COOLDOWN_MS: "600000",
    });
    const proc = new RoleProcess("firehose,classifier,writer", s.env);
    try {
      await until(
        `${posts.length} posts stored`,
        async () => (await sinkCounts(s)).postgres >= posts.length,
        90_000,
        200,
      );
      const models = await s.db.query<{ model: string; n: number }>(
        `SELECT model, count(*)::int AS n FROM classified_posts GROUP BY model ORDER BY model`,
      );
      assert.deepEqual(models, [{ model: "local:afinn-165-fin", n: posts.length }]);
      // Only the batch that opened the circuit asked Ollama (at most OLLAMA_CONCURRENCY at once).
      assert.ok(stub.requests.length <= 4, `${stub.requests.length} requests to Ollama`);
    } finally {
      await proc.dispose();
      await stub.shutdown();
      await s.dispose();
    }
  },
);

Deno.test(
  "a firehose restarted mid-stream resumes from its cursor: no gap and no duplicate in the sinks",
  opts,
  async () => {
    const lines = (await Deno.readTextFile(SAMPLE)).split("\n").filter(Boolean);
    const stub = new JetstreamStub(lines, { paceMs: 5 });
    const s = await sandbox({
      WRITER_SINKS: "postgres,mongodb",
      FIREHOSE_URL: stub.url,
      FIREHOSE_BATCH_SIZE: "20",
      FIREHOSE_FLUSH_MS: "20",
    });
    const downstream = new RoleProcess("classifier,writer", { ...s.env, LOG_LEVEL: "info" });
    let first: RoleProcess | null = null;
    let second: RoleProcess | null = null;
    try {
      await until(
        "the classifier and the writer to run",
        () =>
          /classifier started/.test(downstream.output) &&
          /post writer started/.test(downstream.output),
        60_000,
      );
      first = new RoleProcess("firehose", s.env);
      const cursors = new CursorStore(s.db);
      await until(
        "a saved cursor",
        async () => (await cursors.get("jetstream")) !== null,
        60_000,
        5,
      );
      first.kill("SIGKILL");
      await first.exited;
      const lastUs = Math.max(...lines.map((l) => Number(/"time_us":(\d+)/.exec(l)?.[1] ?? 0)));
      assert.ok((await cursors.get("jetstream"))! < lastUs, "killed mid-stream");
      second = new RoleProcess("firehose", s.env);
      await until(
        `${posts.length} posts in both sinks`,
        async () => {
          const c = await sinkCounts(s);
          return c.postgres >= posts.length && c.mongodb >= posts.length;
        },
        90_000,
        200,
      );
      assert.ok(stub.connections.length >= 2 && stub.connections[1].has("cursor"));
      assert.deepEqual(await sinkCounts(s), { postgres: posts.length, mongodb: posts.length });
    } finally {
      await first?.dispose();
      await second?.dispose();
      await downstream.dispose();
      await stub.shutdown();
      await s.dispose();
    }
  },
);
