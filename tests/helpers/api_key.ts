/**
 * The test suite's API keys: one token per scope, and the `API_KEYS` value naming all three,
 * which every role process and test app is given (so tests that write through the API keep
 * passing with authentication on).
 */
import { createHash } from "node:crypto";
import { parseApiKeys } from "../../lib/api_keys.ts";
import type { Scope } from "../../lib/api_keys.ts";

export const TEST_TOKENS: Record<Scope, string> = {
  read: "sluice_test-read-token-0123456789abcdef",
  write: "sluice_test-write-token-0123456789abcdef",
  admin: "sluice_test-admin-token-0123456789abcdef",
};

/** The token role processes and the CLI use in tests (admin: may do anything). */
export const TEST_API_TOKEN = TEST_TOKENS.admin;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export const TEST_API_KEYS = Object.entries(TEST_TOKENS)
  .map(([scope, token]) => `test-${scope}:${scope}:${sha256(token)}`).join(";");

export const testKeys = () => parseApiKeys(TEST_API_KEYS);

export const bearer = (token = TEST_API_TOKEN) => ({ authorization: `Bearer ${token}` });
