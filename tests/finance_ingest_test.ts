/**
 * The ingest role's webhooks against the real PostgreSQL, Kafka and Redis: each source's valid
 * and bad payloads, signatures, duplicates, a broker that is down, retention of raw partitions.
 */
import { fuzzRoutes, operations } from "./helpers/fuzz.ts";
import type { Doc } from "./helpers/fuzz.ts";
import assert from "node:assert/strict";
import { providerPayload } from "../actors/finance/feed_payloads.ts";
import { RawEventStore } from "../actors/finance/raw_store.ts";
import { KafkaTransport } from "../transport/mod.ts";
import type { Producer } from "../transport/mod.ts";
import { FinanceEvent } from "../schemas/finance.ts";
import {
  distinctPayload,
  financeSandbox,
  ingestInProcess,
  signedRequest,
  SOURCES,
} from "./helpers/finance.ts";
import { readTopic, until } from "./helpers/mod.ts";
import { runCli } from "../cli/mod.ts";

const rawCount = async (s: { db: { query: <T>(q: string) => Promise<T[]> } }) =>
  (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM finance_raw_events`))[0].n;

Deno.test("webhooks: valid payloads of every source are stored once and published once", async (t) => {
  const s = await financeSandbox();
  const ingest = await ingestInProcess(s);
  try {
    const ids: string[] = [];
    await t.step("one event and a batch of each source answer 202 accepted", async () => {
      for (const source of SOURCES) {
        const one = await ingest.app.request(signedRequest(s, source, distinctPayload(source)));
        assert.equal(one.status, 202, await one.clone().text());
        assert.ok(one.headers.get("x-request-id"));
        const a = await one.json();
        assert.equal(a.events[0].status, "accepted");
        ids.push(a.events[0].event_id);
        const batch = [distinctPayload(source), distinctPayload(source)];
        const many = await (await ingest.app.request(signedRequest(s, source, batch))).json();
        assert.deepEqual(many.events.map((e: { status: string }) => e.status), [
          "accepted",
          "accepted",
        ]);
        ids.push(...many.events.map((e: { event_id: string }) => e.event_id));
      }
    });
    await t.step("each is one raw row and one record with its request id", async () => {
      assert.equal(await rawCount(s), ids.length);
      const got = await readTopic(s, s.financeTopic, ids.length);
      const events = got.map((m) =>
        FinanceEvent.parse(JSON.parse(new TextDecoder().decode(m.value!)))
      );
      assert.deepEqual(events.map((e) => e.event_id).sort(), [...ids].sort());
      for (const [i, m] of got.entries()) {
        assert.equal(m.headers["x-request-id"], events[i].request_id);
      }
    });
    await t.step("the same delivery twice is one row and one record", async () => {
      const req = () => signedRequest(s, "news", { ...providerPayload("news"), id: "dup-1" });
      assert.equal((await (await ingest.app.request(req())).json()).events[0].status, "accepted");
      const again = await (await ingest.app.request(req())).json();
      assert.deepEqual(again.events, [{ event_id: "news:dup-1", status: "duplicate" }]);
      // Without a provider id, the content hash names the event.
      const noId = { ...providerPayload("economic") };
      delete noId.id;
      const first = await (await ingest.app.request(signedRequest(s, "economic", noId))).json();
      const second = await (await ingest.app.request(signedRequest(s, "economic", noId))).json();
      assert.match(first.events[0].event_id, /^economic:sha256:[0-9a-f]{64}$/);
      assert.equal(second.events[0].status, "duplicate");
      assert.equal(await rawCount(s), ids.length + 2);
      const got = await readTopic(s, s.financeTopic, ids.length + 2);
      assert.equal(
        got.filter((m) => new TextDecoder().decode(m.value!).includes("news:dup-1")).length,
        1,
      );
    });
    await t.step("GET /events lists and gets raw events", async () => {
      const list = await (await ingest.app.request("/events?source=news&limit=2")).json();
      assert.equal(list.items.length, 2);
      assert.ok(list.items.every((r: { event: { source: string } }) => r.event.source === "news"));
      const one = await (await ingest.app.request("/events/news:dup-1")).json();
      assert.equal(one.event.event_id, "news:dup-1");
      // Marked published after the answer (the answer waits for the ack, not for the mark).
      await until(
        "the event to be marked published",
        async () =>
          (await (await ingest.app.request("/events/news:dup-1")).json()).published_at !== null,
      );
      assert.equal((await ingest.app.request("/events/news:nope")).status, 404);
    });
  } finally {
    await ingest.close();
    await s.dispose();
  }
});

Deno.test("webhooks: bad payloads are 400 naming the field, text is sanitised, size is bounded", async (t) => {
  const s = await financeSandbox({ INGEST_MAX_BODY_BYTES: "20000" });
  const ingest = await ingestInProcess(s);
  const post = (source: (typeof SOURCES)[number], body: unknown) =>
    ingest.app.request(signedRequest(s, source, body));
  const field = async (res: Response) => {
    assert.equal(res.status, 400);
    return (await res.json()).field;
  };
  try {
    await t.step("wrong types and missing fields", async () => {
      assert.equal(
        await field(await post("truedata", { ...distinctPayload("truedata"), ltp: "12" })),
        "ltp",
      );
      const { headline: _h, ...noHeadline } = providerPayload("news");
      assert.equal(await field(await post("news", noHeadline)), "headline");
      assert.equal(
        await field(await post("twitter", { ...providerPayload("twitter"), id: "abc" })),
        "id",
      );
      assert.equal(
        await field(await post("reddit", { kind: "t3", data: { id: "x" } })),
        "data.subreddit",
      );
      assert.equal(
        await field(await post("economic", { ...providerPayload("economic"), country: 3 })),
        "country",
      );
      assert.equal(
        await field(await post("news", [providerPayload("news"), { headline: 1 }])),
        "1.headline",
      );
      assert.equal(await field(await post("news", "{not json")), "body");
      assert.equal(
        await field(await post("news", { ...providerPayload("news"), symbols: ["no way!"] })),
        "symbols.0",
      );
    });
    await t.step("huge fields and bodies", async () => {
      const long = "x".repeat(1_001);
      assert.equal(
        await field(await post("news", { ...providerPayload("news"), headline: long })),
        "headline",
      );
      const res = await post("news", { ...providerPayload("news"), body: "y".repeat(30_000) });
      assert.equal(res.status, 413);
    });
    await t.step("HTML and control characters are removed; symbols normalised", async () => {
      const res = await post("news", {
        ...providerPayload("news"),
        id: "html-1",
        headline: "<script>alert(1)</script><b>$Big</b> news\u0000\u0007 &amp; more",
        body: "<p>line\u001b[31m one</p>",
        symbols: ["$aapl", "reliance.ns", "AAPL"],
      });
      assert.equal(res.status, 202, await res.clone().text());
      const row = await (await ingest.app.request("/events/news:html-1")).json();
      assert.equal(row.event.text, "$Big news & more\n\nline[31m one");
      assert.deepEqual(row.event.symbols, ["AAPL", "RELIANCE.NS"]);
    });
  } finally {
    await ingest.close();
    await s.dispose();
  }
});

Deno.test("webhooks: a missing, wrong or stale signature is 401 and stores nothing", async () => {
  const s = await financeSandbox();
  const ingest = await ingestInProcess(s);
  try {
    const body = providerPayload("twitter");
    const noSig = await ingest.app.request(
      new Request("http://ingest/webhooks/twitter", { method: "POST", body: JSON.stringify(body) }),
    );
    assert.equal(noSig.status, 401);
    const wrong = await ingest.app.request(signedRequest(s, "twitter", body, {
      "x-sluice-signature": "sha256=" + "0".repeat(64),
    }));
    assert.equal(wrong.status, 401);
    const stale = String(Math.floor(Date.now() / 1000) - 3_600);
    const old = await ingest.app.request(
      signedRequest(s, "twitter", body, { "x-sluice-timestamp": stale }),
    );
    assert.equal(old.status, 401);
    const text = await old.text();
    assert.match(text, /replay window/);
    assert.ok(!text.includes(s.secrets.twitter));
    assert.equal(await rawCount(s), 0);
  } finally {
    await ingest.close();
    await s.dispose();
  }
});

Deno.test("webhooks: CORS follows the allow-list, and the request id travels with the answer", async () => {
  const s = await financeSandbox();
  const ingest = await ingestInProcess(s, { CORS_ORIGINS: "https://dash.example.com" });
  try {
    const preflight = (origin: string) =>
      ingest.app.request("/webhooks/news", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    const pre = await preflight("https://dash.example.com");
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://dash.example.com");
    const foreign = await preflight("https://evil.example");
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
    await foreign.body?.cancel();
    const res = await ingest.app.request(signedRequest(s, "news", providerPayload("news"), {
      "x-request-id": "trace-abc-123",
    }));
    assert.equal(res.headers.get("x-request-id"), "trace-abc-123");
    const id = (await res.json()).events[0].event_id;
    const [m] = await readTopic(s, s.financeTopic, 1);
    assert.equal(m.headers["x-request-id"], "trace-abc-123");
    assert.equal(JSON.parse(new TextDecoder().decode(m.value!)).event_id, id);
  } finally {
    await ingest.close();
    await s.dispose();
  }
});

Deno.test("the ingest server describes its routes in its own /openapi.json", async () => {
  const s = await financeSandbox();
  const ingest = await ingestInProcess(s);
  try {
    const doc = await (await ingest.app.request("/openapi.json")).json() as {
      paths: Record<string, Record<string, { "x-undescribed"?: boolean; summary?: string }>>;
    };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op }))
    );
    for (const [path, method] of [["/webhooks/{source}", "post"], ["/health", "get"]]) {
      assert.ok(doc.paths[path]?.[method]?.summary, `${method} ${path} described`);
    }
    assert.ok(ops.some((o) => o.path.startsWith("/events") && o.method === "get"));
    for (const o of ops) assert.ok(!o.op["x-undescribed"], `${o.method} ${o.path} described`);
  } finally {
    await ingest.close();
    await s.dispose();
  }
});

Deno.test("the ingest server under the fuzzer, on real PostgreSQL: no 5xx", async () => {
  const s = await financeSandbox();
  const ingest = await ingestInProcess(s);
  try {
    const doc = await (await ingest.app.request("/openapi.json")).json() as Doc;
    const sent = await fuzzRoutes(ingest.app, operations(doc), 150);
    assert.ok(sent >= 100, `${sent} requests`);
  } finally {
    await ingest.close();
    await s.dispose();
  }
});

Deno.test("webhooks: with Kafka down the answer is 503 and nothing is stored", async () => {
  const s = await financeSandbox();
  const down = new KafkaTransport({ brokers: ["127.0.0.1:1"] });
  const producer: Producer = {
    send: async (topic, records) => (await down.producer()).send(topic, records),
    close: () => Promise.resolve(),
  };
  const ingest = await ingestInProcess(s, { INGEST_PUBLISH_TIMEOUT_MS: "2000" }, { producer });
  try {
    const res = await ingest.app.request(signedRequest(s, "news", providerPayload("news")));
    assert.equal(res.status, 503, await res.clone().text());
    assert.equal(await rawCount(s), 0);
    const admin = await s.kafka.admin();
    assert.equal(await admin.topicSize(s.financeTopic), 0);
  } finally {
    await ingest.close();
    await down.close();
    await s.dispose();
  }
});

Deno.test("raw store: partitions older than the retention are dropped with their rows", async () => {
  const s = await financeSandbox();
  try {
    const store = new RawEventStore(s.db, 2, 1);
    const day = 86_400_000;
    const now = Date.UTC(2026, 5, 15, 12);
    await store.ensureSchema(new Date(now - 10 * day));
    const event = (at: number, id: string): FinanceEvent => ({
      event_id: `economic:${id}`,
      source: "economic",
      kind: "release",
      symbols: [],
      text: null,
      published_at: new Date(at).toISOString(),
      received_at: new Date(at).toISOString(),
      request_id: "r",
      payload: {},
    });
    await store.insert([event(now - 9 * day, "old"), event(now - 3 * day, "older-than-2-days")]);
    await store.maintain(new Date(now));
    await store.insert([event(now, "today")]);
    const parts = await store.partitions();
    assert.ok(!parts.includes("finance_raw_events_p20260606"), parts.join(","));
    assert.ok(parts.includes("finance_raw_events_p20260613"));
    assert.ok(parts.includes("finance_raw_events_p20260616"));
    const ids = (await store.list({ limit: 10 })).map((r) => r.event_id);
    assert.deepEqual(ids, ["economic:today"]);
  } finally {
    await s.dispose();
  }
});

Deno.test("cli webhook send signs each line and reports the deliveries", async () => {
  const s = await financeSandbox();
  const ingest = await ingestInProcess(s);
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    ingest.app.fetch,
  );
  const file = await Deno.makeTempFile({ suffix: ".ndjson" });
  const name = "INGEST_SECRET_REDDIT";
  const before = Deno.env.get(name);
  try {
    const lines = [providerPayload("reddit"), providerPayload("reddit"), { kind: "t3" }];
    await Deno.writeTextFile(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    Deno.env.set(name, s.secrets.reddit);
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: () => {} };
    const code = await runCli([
      "--format",
      "json",
      "--ingest-url",
      `http://127.0.0.1:${server.addr.port}`,
      "webhook",
      "send",
      "--source",
      "reddit",
      file,
    ], io);
    assert.equal(code, 1); // the third line is refused
    const summary = JSON.parse(out.join("\n"));
    assert.equal(summary.sent, 2);
    assert.equal(summary.failed, 1);
    assert.match(summary.errors[0], /HTTP 400/);
    assert.equal(await rawCount(s), 2);
  } finally {
    if (before === undefined) Deno.env.delete(name);
    else Deno.env.set(name, before);
    await Deno.remove(file);
    await server.shutdown();
    await ingest.close();
    await s.dispose();
  }
});
