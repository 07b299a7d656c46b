import assert from "node:assert/strict";
import { testApp } from "../tests/helpers/test_app.ts";
import { bearer, TEST_TOKENS } from "../tests/helpers/api_key.ts";
import type { ApiDeps } from "./deps.ts";
import { NO_KEYS_MESSAGE } from "./_auth.ts";

/** Every write route of the API, with a body it accepts. */
const WRITES = [
  { path: "/messages", body: { text: "authenticated hello" } },
  { path: "/analyze", body: { texts: ["Apple shares fell 3%"] } },
];

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

async function withApp(
  auth: Partial<ApiDeps["auth"]>,
  fn: (app: Awaited<ReturnType<typeof testApp>>["app"]) => Promise<void>,
) {
  const t = await testApp((d) => ({ auth: { ...d.auth, ...auth } }), { token: null });
  try {
    await fn(t.app);
  } finally {
    await t.close();
  }
}

Deno.test("every write route: no key 401 (WWW-Authenticate: Bearer), read key 403, write key 2xx", async () => {
  await withApp({}, async (app) => {
    for (const { path, body } of WRITES) {
      const none = await app.request(path, post(body));
      assert.equal(none.status, 401, path);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer realm="sluice"/, path);
      assert.match((await none.json()).error, /write scope/);

      const unknown = await app.request(path, post(body, bearer("sluice_not-a-known-key")));
      assert.equal(unknown.status, 401, path);
      assert.match(unknown.headers.get("www-authenticate") ?? "", /invalid_token/);
      await unknown.body?.cancel();

      const read = await app.request(path, post(body, bearer(TEST_TOKENS.read)));
      assert.equal(read.status, 403, path);
      assert.match((await read.json()).error, /lacks the write scope/);

      for (const scope of ["write", "admin"] as const) {
        const ok = await app.request(path, post(body, bearer(TEST_TOKENS[scope])));
        assert.ok(ok.status >= 200 && ok.status < 300, `${path} with ${scope}: ${ok.status}`);
        await ok.body?.cancel();
      }
    }
  });
});

Deno.test("with no key configured, writes answer 401 saying how to configure one; reads work", async () => {
  await withApp({ keys: [] }, async (app) => {
    for (const { path, body } of WRITES) {
      const res = await app.request(path, post(body, bearer(TEST_TOKENS.admin)));
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error, NO_KEYS_MESSAGE);
      assert.match(NO_KEYS_MESSAGE, /API_KEYS/);
    }
    assert.equal((await app.request("/messages")).status, 200);
  });
});

Deno.test("reads need the read scope only with API_AUTH_READS; probes and docs stay open", async () => {
  await withApp({}, async (app) => {
    const open = await app.request("/messages");
    assert.equal(open.status, 200);
    await open.body?.cancel();
  });
  await withApp({ authReads: true }, async (app) => {
    for (
      const path of ["/messages", "/orders", "/trends", "/alerts", "/stats", "/finance/alerts"]
    ) {
      const none = await app.request(path);
      assert.equal(none.status, 401, path);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
      await none.body?.cancel();
      const read = await app.request(path, { headers: bearer(TEST_TOKENS.read) });
      assert.equal(read.status, 200, path);
      await read.body?.cancel();
    }
    for (const path of ["/health", "/ready", "/metrics", "/openapi.json", "/dashboard"]) {
      const res = await app.request(path);
      assert.ok(res.status === 200 || res.status === 503, `${path}: ${res.status}`);
      await res.body?.cancel();
    }
  });
});

Deno.test("a JSON write with another content type is a 415 (no text/plain or form CSRF)", async () => {
  await withApp({}, async (app) => {
    for (const { path, body } of WRITES) {
      for (
        const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
      ) {
        const res = await app.request(path, {
          method: "POST",
          headers: { ...(type ? { "content-type": type } : {}), ...bearer(TEST_TOKENS.write) },
          body: JSON.stringify(body),
        });
        assert.equal(res.status, 415, `${path} as ${type || "no type"}`);
        assert.equal((await res.json()).field, "content-type");
      }
      const ok = await app.request(path, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          ...bearer(TEST_TOKENS.write),
        },
        body: JSON.stringify(body),
      });
      assert.ok(ok.status < 300, `${path}: ${ok.status}`);
      await ok.body?.cancel();
    }
  });
});

Deno.test("CORS is off by default and answers only the allow-listed origins", async () => {
  const preflight = {
    method: "OPTIONS",
    headers: {
      origin: "https://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, authorization",
    },
  };
  await withApp({}, async (app) => {
    const res = await app.request("/messages", preflight);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    await res.body?.cancel();
  });
  await withApp({ corsOrigins: ["https://app.example"] }, async (app) => {
    const evil = await app.request("/messages", preflight);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    await evil.body?.cancel();
    const good = await app.request("/messages", {
      ...preflight,
      headers: { ...preflight.headers, origin: "https://app.example" },
    });
    assert.equal(good.status, 204);
    assert.equal(good.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(good.headers.get("access-control-allow-headers") ?? "", /authorization/);
  });
});
