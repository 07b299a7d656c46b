import assert from "node:assert/strict";
import { setLogLevel } from "../../lib/log.ts";
import { OllamaStub } from "../../tests/helpers/ollama_stub.ts";
import { CircuitBreakerClassifier } from "./breaker.ts";
import { LOCAL_MODEL, LocalClassifier } from "./local.ts";
import { OllamaClassifier } from "./ollama.ts";
import type { ClassifierInput } from "./types.ts";

setLogLevel("silent");

const text = (t: string, i = 0): ClassifierInput => ({
  uri: `t:${i}`,
  text: t,
  langs: [],
  hashtags: [],
});

/** A breaker over Ollama at the stub, with a clock the test moves. */
function breaker(stub: OllamaStub, clock: { t: number }) {
  const ollama = new OllamaClassifier({
    host: stub.url,
    timeoutMs: 10_000,
    retries: 0,
    fallback: new LocalClassifier(),
  });
  return new CircuitBreakerClassifier(ollama, {
    failures: 2,
    cooldownMs: 60_000,
    slowMs: 200,
    now: () => clock.t,
  });
}

Deno.test("a hanging Ollama costs at most slowMs per batch, then the circuit opens", async () => {
  const stub = new OllamaStub();
  const clock = { t: 0 };
  const b = breaker(stub, clock);
  try {
    stub.script([], "hang");
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const [r] = await b.classify([text("Gold hits a record high", i)]);
      // Bounded by slowMs (200 ms), not by Ollama's 10 s timeout; margin for a loaded machine.
      assert.ok(performance.now() - started < 5_000);
      assert.equal(r.model, LOCAL_MODEL);
    }
    assert.equal(b.state, "open");
    const asked = stub.requests.length;
    const [r] = await b.classify([text("Gold hits a record high", 9)]);
    assert.equal(r.sentiment, "positive");
    assert.equal(stub.requests.length, asked, "an open circuit does not call Ollama");
  } finally {
    await b.close();
    await stub.shutdown();
  }
});

Deno.test("after the cooldown one probe closes the circuit when Ollama answers again", async () => {
  const stub = new OllamaStub();
  const clock = { t: 0 };
  const b = breaker(stub, clock);
  try {
    stub.script(["malformed", "500"]);
    await b.classify([text("a", 1)]);
    await b.classify([text("b", 2)]);
    assert.equal(b.state, "open");
    clock.t += 30_000;
    assert.equal(b.state, "open");
    clock.t += 30_000;
    assert.equal(b.state, "half-open");
    const [r] = await b.classify([text("Apple beats estimates", 3)]);
    assert.equal(r.model, "ollama:granite3.3:2b");
    assert.equal(b.state, "closed");
  } finally {
    await b.close();
    await stub.shutdown();
  }
});

Deno.test("a failed probe opens the circuit for another cooldown", async () => {
  const stub = new OllamaStub();
  const clock = { t: 0 };
  const b = breaker(stub, clock);
  try {
    stub.script([], "500");
    await b.classify([text("a", 1)]);
    await b.classify([text("b", 2)]);
    clock.t += 60_000;
    const [r] = await b.classify([text("c", 3)]);
    assert.equal(r.model, LOCAL_MODEL);
    assert.equal(b.state, "open");
    clock.t += 59_000;
    assert.equal(b.state, "open");
  } finally {
    await b.close();
    await stub.shutdown();
  }
});
