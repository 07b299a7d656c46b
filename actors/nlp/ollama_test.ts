import assert from "node:assert/strict";
import { counterValues } from "../../lib/metrics.ts";
import { setLogLevel } from "../../lib/log.ts";
import type { PostData } from "../../schemas/social.ts";
import { type Behaviour, OllamaStub, VALID_ANSWER } from "../../tests/helpers/ollama_stub.ts";
import { LocalClassifier } from "./local.ts";
import { classifierFallbacks } from "./metrics.ts";
import { createClassifier } from "./mod.ts";
import {
  CLASSIFICATION_FORMAT,
  OllamaClassifier,
  type OllamaOptions,
  SYSTEM_PROMPT,
} from "./ollama.ts";

setLogLevel("silent");

const post = (text: string, i = 0): PostData => ({
  uri: `at://did:plc:t/app.bsky.feed.post/${i}`,
  did: "did:plc:t",
  text,
  langs: ["en"],
  created_at: "2026-11-24T00:00:00.000Z",
  time_us: 1,
  hashtags: [],
  mentions: [],
});

function classifier(host: string, extra: Partial<OllamaOptions> = {}): OllamaClassifier {
  return new OllamaClassifier({
    host,
    timeoutMs: 1_000, // a good answer takes ~5 ms; margin for a loaded machine
    retries: 1,
    retryInitialMs: 5,
    fallback: new LocalClassifier(),
    ...extra,
  });
}

/** Runs `fn` against a fresh stub, always shut down after. */
async function withStub(
  fn: (stub: OllamaStub) => Promise<void>,
  options?: { answerMs?: number },
): Promise<void> {
  const stub = new OllamaStub(options);
  try {
    await fn(stub);
  } finally {
    await stub.shutdown();
  }
}

/** A port on which nothing listens. */
function closedPort(): number {
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

Deno.test("valid Ollama answers are used, asked with the schema as format and no streaming", () =>
  withStub(async (stub) => {
    const c = classifier(stub.url);
    const [r] = await c.classify([post("Apple $AAPL earnings look great")]);
    assert.equal(c.model, "ollama:granite3.3:2b");
    assert.deepEqual(r, { ...VALID_ANSWER, model: "ollama:granite3.3:2b" });
    assert.equal(stub.requests.length, 1);
    const req = stub.requests[0];
    assert.equal(req.model, "granite3.3:2b");
    assert.equal(req.stream, false);
    assert.deepEqual(req.options, { temperature: 0 });
    assert.deepEqual(req.format, CLASSIFICATION_FORMAT);
    const format = req.format as { properties: Record<string, unknown>; required: string[] };
    assert.deepEqual(Object.keys(format.properties).sort(), [
      "asset_class",
      "confidence",
      "entities",
      "score",
      "sentiment",
      "topics",
    ]);
    assert.deepEqual(req.messages, [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: "Apple $AAPL earnings look great" },
    ]);
    assert.deepEqual(c.fallbacks, { timeout: 0, error: 0, invalid: 0 });
  }));

Deno.test("ping lists the models Ollama has", () =>
  withStub(async (stub) => {
    assert.deepEqual(await classifier(stub.url).ping(), ["granite3.3:2b"]);
    assert.equal(stub.tagsRequests, 1);
  }));

/** Each case: every attempt behaves the same, then the post falls back. */
const FAILURES: Array<[Behaviour, "timeout" | "error" | "invalid", number]> = [
  ["hang", "timeout", 2],
  ["500", "error", 2],
  ["404", "error", 1], // a client error is not retried
  ["malformed", "invalid", 2],
  ["wrong-schema", "invalid", 2],
];

for (const [behaviour, reason, attempts] of FAILURES) {
  Deno.test(`a "${behaviour}" answer falls back to local and counts as ${reason}`, () =>
    withStub(async (stub) => {
      const before = (await counterValues(classifierFallbacks, "reason"))[reason] ?? 0;
      stub.script([], behaviour);
      const c = classifier(stub.url);
      const [r] = await c.classify([post("I love this, wonderful")]);
      assert.equal(r.model, "local:afinn-165-fin");
      assert.equal(r.sentiment, "positive");
      assert.equal(stub.requests.length, attempts);
      assert.deepEqual(c.fallbacks, { timeout: 0, error: 0, invalid: 0, [reason]: 1 });
      const after = (await counterValues(classifierFallbacks, "reason"))[reason];
      assert.equal(after, before + 1);
    }));
}

Deno.test("a refused connection falls back to local and counts as error", async () => {
  const c = classifier(`http://127.0.0.1:${closedPort()}`, { retries: 2 });
  const [r] = await c.classify([post("terrible news")]);
  assert.equal(r.model, "local:afinn-165-fin");
  assert.equal(r.sentiment, "negative");
  assert.deepEqual(c.fallbacks, { timeout: 0, error: 1, invalid: 0 });
  await assert.rejects(c.ping());
});

Deno.test("a retry after one failure uses Ollama's answer", () =>
  withStub(async (stub) => {
    stub.script(["500"]);
    const c = classifier(stub.url);
    const [r] = await c.classify([post("hello")]);
    assert.equal(r.model, "ollama:granite3.3:2b");
    assert.equal(stub.requests.length, 2);
    assert.deepEqual(c.fallbacks, { timeout: 0, error: 0, invalid: 0 });
  }));

Deno.test("results keep the posts' order when some fall back", () =>
  withStub(async (stub) => {
    stub.byRequest = (body) => body.messages[1].content.startsWith("bad") ? "malformed" : "valid";
    const c = classifier(stub.url, { retries: 0, concurrency: 4 });
    const texts = ["good 0", "bad 1", "good 2", "bad 3", "bad 4", "good 5"];
    const rs = await c.classify(texts.map((t, i) => post(t, i)));
    assert.deepEqual(
      rs.map((r) => r.model.split(":")[0]),
      ["ollama", "local", "ollama", "local", "local", "ollama"],
    );
    assert.equal(c.fallbacks.invalid, 3);
  }));

Deno.test("no more than `concurrency` requests are in flight", () =>
  withStub(async (stub) => {
    const c = classifier(stub.url, { concurrency: 3 });
    await c.classify(Array.from({ length: 24 }, (_, i) => post(`post ${i}`, i)));
    assert.equal(stub.requests.length, 24);
    assert.equal(stub.maxInFlight, 3);
  }, { answerMs: 20 }));

Deno.test("an aborted caller gets local results at once, not counted as Ollama failures", () =>
  withStub(async (stub) => {
    stub.script([], "hang");
    const c = classifier(stub.url, { timeoutMs: 10_000, concurrency: 1 });
    const stop = new AbortController();
    const started = performance.now();
    const pending = c.classify([post("I love it", 0), post("I hate it", 1)], stop.signal);
    while (stub.hung < 1) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    const rs = await pending;
    assert.ok(performance.now() - started < 2_000);
    assert.deepEqual(rs.map((r) => [r.model, r.sentiment]), [
      ["local:afinn-165-fin", "positive"],
      ["local:afinn-165-fin", "negative"],
    ]);
    assert.equal(stub.requests.length, 1, "the queued post was not sent");
    assert.deepEqual(c.fallbacks, { timeout: 0, error: 0, invalid: 0 });
  }));

Deno.test("createClassifier builds the configured backend", () => {
  assert.equal(createClassifier({ backend: "local" }).model, "local:afinn-165-fin");
  const o = createClassifier({ backend: "ollama", ollamaModel: "llama3.2:1b" });
  assert.ok(o instanceof OllamaClassifier);
  assert.equal(o.model, "ollama:llama3.2:1b");
  assert.throws(() => createClassifier({ backend: "ollama", ollamaConcurrency: 0 }), RangeError);
});
