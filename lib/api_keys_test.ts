import assert from "node:assert/strict";
import { allows, findKey, keyEntry, newToken, parseApiKeys } from "./api_keys.ts";
import { ConfigError } from "./errors.ts";
import { configLines, loadConfig } from "./config.ts";

Deno.test("a key entry made from a token finds that token, and no other", () => {
  const token = newToken();
  assert.match(token, /^sluice_[A-Za-z0-9_-]{43}$/);
  const entry = keyEntry("ci", ["write"], token);
  assert.match(entry, /^ci:write:[0-9a-f]{64}$/);
  assert.ok(!entry.includes(token.slice(7)), "the entry holds the hash, not the token");
  const keys = parseApiKeys(`${entry}; ${keyEntry("ro", ["read"], newToken())}`);
  assert.equal((findKey(keys, token))?.name, "ci");
  assert.equal(findKey(keys, newToken()), null);
  assert.equal(findKey(keys, token + "x"), null);
});

Deno.test("scopes nest: admin includes write, write includes read", () => {
  const [admin, write, read] = parseApiKeys(
    ["a:admin:", "w:write:", "r:read:"].map((p) => p + "0".repeat(64)).join(";"),
  );
  assert.deepEqual(
    [admin, write, read].map((k) => ["read", "write", "admin"].map((s) => allows(k, s as "read"))),
    [[true, true, true], [true, true, false], [true, false, false]],
  );
});

Deno.test("API_KEYS that do not parse stop the configuration, naming the entry, hiding the value", () => {
  for (const bad of ["ci:write:abc", "ci:delete:" + "a".repeat(64), "no-colons"]) {
    assert.throws(() => loadConfig({ API_KEYS: bad }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, "API_KEYS");
      assert.match(err.message, /entry 1/);
      assert.ok(!err.message.includes(bad), err.message);
      return true;
    });
  }
  const c = loadConfig({ API_KEYS: `ci:read,write:${"b".repeat(64)}` });
  assert.deepEqual(c.API_KEYS.map((k) => [k.name, k.scopes]), [["ci", ["read", "write"]]]);
  assert.ok(configLines(c).includes("API_KEYS=ci:read,write:***"));
});
