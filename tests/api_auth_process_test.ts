/**
 * The api role as its own process: with no API key configured it starts, warns once, serves
 * reads and answers writes 401 saying how to configure a key; with keys, a bearer token with
 * the write scope publishes.
 */
import assert from "node:assert/strict";
import { bearer, listeningUrl, RoleProcess, sandbox, TEST_TOKENS } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const post = (headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ text: "through the api process" }),
});

Deno.test("the api process without keys warns once and refuses writes with 401", opts, async () => {
  const s = await sandbox();
  const p = new RoleProcess("api", { ...s.env, API_KEYS: "" });
  try {
    const url = await listeningUrl(p);
    const res = await fetch(`${url}/messages`, post(bearer()));
    assert.equal(res.status, 401);
    assert.match((await res.json()).error, /no API key is configured.*API_KEYS/);
    const read = await fetch(`${url}/messages`);
    assert.equal(read.status, 200);
    await read.body?.cancel();
    assert.equal(p.output.match(/no API key configured/g)?.length, 1, p.output.slice(-2_000));
  } finally {
    await p.dispose();
    await s.dispose();
  }
});

Deno.test(
  "the api process takes a write key's bearer token and refuses a read key's",
  opts,
  async () => {
    const s = await sandbox();
    const p = new RoleProcess("api", s.env); // RoleProcess gives the suite's API_KEYS
    try {
      const url = await listeningUrl(p);
      const ok = await fetch(`${url}/messages`, post(bearer(TEST_TOKENS.write)));
      assert.equal(ok.status, 202, await ok.clone().text());
      await ok.body?.cancel();
      const ro = await fetch(`${url}/messages`, post(bearer(TEST_TOKENS.read)));
      assert.equal(ro.status, 403);
      await ro.body?.cancel();
      const plain = await fetch(`${url}/messages`, {
        method: "POST",
        headers: { "content-type": "text/plain", ...bearer(TEST_TOKENS.write) },
        body: '{"text":"csrf"}',
      });
      assert.equal(plain.status, 415);
      await plain.body?.cancel();
      assert.doesNotMatch(p.output, new RegExp(TEST_TOKENS.write), "tokens are never logged");
    } finally {
      await p.dispose();
      await s.dispose();
    }
  },
);
