/**
 * The read commands against the real routes (trends, alerts, sentiment) and against a stub of
 * the finance routes (`GET /events`, `GET /events/:id`, `GET /logs/errors`), in every format;
 * `--watch` until aborted, going on while the API is down.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { until } from "../tests/helpers/mod.ts";
import { testApp } from "../tests/helpers/test_app.ts";
import { runCli } from "./mod.ts";
import type { Io } from "./mod.ts";

const T = Date.UTC(2026, 10, 24, 12);

function capture() {
  const out: string[] = [], err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  return { io, out, err };
}

async function cli(url: string, ...args: string[]) {
  Deno.env.delete("SLUICE_CLI_TIMEOUT_S");
  const { io, out, err } = capture();
  const code = await runCli(["--url", url, ...args], io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

function trend(keyword: string, rank: number) {
  return {
    keyword,
    windowStart: T - 600_000,
    windowEnd: T,
    count: 40 / rank,
    uniqueAuthors: 9,
    zScore: 4.25,
    velocity: 2,
    rank,
    sentimentMean: 0.1,
    sampleUris: [],
  };
}

function serve(fetch: (r: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fetch);
  return { url: `http://127.0.0.1:${server.addr.port}`, server };
}

Deno.test("trends, alerts and sentiment as tables, JSON and NDJSON", async (t) => {
  const { app, deps, close } = await testApp();
  const { url, server } = serve(app.fetch);
  try {
    await deps.trendCache.put(
      { windowStart: T - 600_000, windowEnd: T, trends: [trend("#eclipse", 1), trend("moon", 2)] },
      60_000,
    );
    await t.step("trends prints the window and the ranking", async () => {
      const r = await cli(url, "trends");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^window: 2026-11-24T11:50:00.000Z to 2026-11-24T12:00:00.000Z/);
      assert.match(r.stdout, /RANK\s+KEYWORD\s+COUNT/);
      assert.match(r.stdout, /1\s+#eclipse\s+40\s+9\s+4.25/);
    });
    await t.step("--format ndjson prints one trend per line", async () => {
      const r = await cli(url, "--format", "ndjson", "trends", "--limit", "5");
      const lines = r.stdout.split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.keyword), ["#eclipse", "moon"]);
    });
    await t.step("trends <keyword> shows the current state and the history", async () => {
      const r = await cli(url, "trends", "#Eclipse");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^keyword: #eclipse {2}trending: true/);
      const j = JSON.parse((await cli(url, "--format", "json", "trends", "moon")).stdout);
      assert.equal(j.current.rank, 2);
    });
    await t.step("alerts and sentiment: empty tables, NDJSON prints nothing", async () => {
      assert.match(
        (await cli(url, "alerts", "--since", "2026-11-24T00:00:00Z")).stdout,
        /\(none\)/,
      );
      const s = await cli(url, "sentiment", "--source", "moon", "--bucket", "hour");
      assert.match(s.stdout, /^source: moon {2}bucket: hour\n\n\(none\)$/);
      assert.equal((await cli(url, "--format", "ndjson", "alerts")).stdout, "");
    });
    await t.step("a bad parameter is the server's 400, exit 1", async () => {
      const r = await cli(url, "sentiment", "--bucket", "day");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /HTTP 400: .*bucket/);
    });
  } finally {
    await server.shutdown();
    await close();
  }
});

Deno.test("events, event and errors against the finance routes' shape", async () => {
  const seen: string[] = [];
  const stub = new Hono();
  const event = { id: "ev-1", source: "news", kind: "headline", symbol: "ACME", ts: T };
  stub.get("/events", (c) => {
    seen.push(c.req.url.slice(c.req.url.indexOf("/events")));
    return c.json({ items: [event, { ...event, id: "ev-2" }], limit: 2, offset: 0 });
  });
  stub.get(
    "/events/:id",
    (c) => c.req.param("id") === "ev-1" ? c.json(event) : c.json({ error: "not found" }, 404),
  );
  // The shape of routes/logs.ts: error_summary rows.
  const summary = {
    component: "ingest",
    category: "broker",
    code: "BROKER_UNAVAILABLE",
    count: 3,
    first_seen: T,
    last_seen: T,
    sample: "boom",
  };
  stub.get("/logs/errors", (c) => c.json({ errors: [summary] }));
  const { url, server } = serve(stub.fetch);
  try {
    const list = await cli(url, "events", "--limit", "2", "--source", "news");
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(seen, ["/events?limit=2&source=news"]);
    assert.match(list.stdout, /ID\s+SOURCE\s+KIND\s+SYMBOL\s+TS\n[- ]+\nev-1\s+news/);
    const nd = await cli(url, "--format", "ndjson", "events");
    assert.deepEqual(nd.stdout.split("\n").map((l) => JSON.parse(l).id), ["ev-1", "ev-2"]);
    assert.match((await cli(url, "event", "ev-1")).stdout, /^id: ev-1\nsource: news/);
    assert.equal((await cli(url, "event", "ev-9")).code, 1);
    assert.match(
      (await cli(url, "errors")).stdout,
      /COMPONENT\s+CATEGORY\s+CODE\s+COUNT[^\n]*\n[- ]+\ningest\s+broker\s+BROKER_UNAVAILABLE\s+3/,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("--watch repeats stats until stopped and goes on while the API is down", async () => {
  let up = true, answers = 0;
  const { url, server } = serve(() => {
    answers++;
    return up ? Response.json({ messages: { total: answers } }) : new Response("", { status: 503 });
  });
  const { io, out, err } = capture();
  const stop = new AbortController();
  const run = runCli(["--url", url, "--format", "ndjson", "stats", "--watch", "0.1"], io, {
    signal: stop.signal,
  });
  try {
    await until("two answers", () => out.length >= 2);
    up = false;
    await until("a failed round", () => err.length >= 1);
    up = true;
    const before = out.length;
    await until("the API back", () => out.length > before);
    stop.abort();
    assert.equal(await run, 0);
    assert.match(err[0], /HTTP 503/);
    assert.equal(JSON.parse(out[0]).messages.total, 1);
  } finally {
    stop.abort();
    await server.shutdown();
  }
});

Deno.test("--watch is refused for a command it does not fit, and takes an optional number", async () => {
  const { io, err } = capture();
  assert.equal(await runCli(["alerts", "--watch"], io), 2);
  assert.match(err[0], /^--watch is for trends and stats, not alerts/);
  assert.equal(await runCli(["stats", "--watch", "0"], io), 2);
  assert.match(err[1], /^--watch must be a number of seconds/);
});
