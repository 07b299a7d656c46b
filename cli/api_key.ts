/**
 * The CLI's API key: `SLUICE_API_KEY`, else the one `deno task dev` saved in
 * `.data/dev-secrets.json`; sent as `Authorization: Bearer` with every request. And
 * `key create`, which makes a new token, prints it once with the `API_KEYS` entry that holds
 * only its hash.
 */
import { keyEntry, newToken, SCOPES } from "../lib/api_keys.ts";
import type { Scope } from "../lib/api_keys.ts";

export const DEV_SECRETS_FILE = ".data/dev-secrets.json";

let cached: Promise<string | null> | null = null;

/** The key to send, or null (read once per process). */
export function apiKey(): Promise<string | null> {
  cached ??= (async () => {
    const env = Deno.env.get("SLUICE_API_KEY");
    if (env) return env;
    try {
      const saved = JSON.parse(await Deno.readTextFile(DEV_SECRETS_FILE));
      return typeof saved.SLUICE_API_KEY === "string" ? saved.SLUICE_API_KEY : null;
    } catch {
      return null; // no dev run here: anonymous
    }
  })();
  return cached;
}

/** What to tell a person whose request got a 401. */
export const UNAUTHORIZED_HINT = "set SLUICE_API_KEY to an API key of this server " +
  "(`deno task cli key create <name> --scopes write` makes one; the server needs its API_KEYS entry)";

/** `key create <name> [--scopes read,write,admin]`: the token (shown once) and its entry. */
export function createKey(
  name: string,
  scopesFlag: string | undefined,
): { name: string; scopes: Scope[]; token: string; entry: string } {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new TypeError("key create: <name> must be 1 to 64 letters, digits, _ . or -");
  }
  const scopes = (scopesFlag ?? "write").split(",").map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !(SCOPES as readonly string[]).includes(s))) {
    throw new TypeError(`--scopes must be a comma-separated list of ${SCOPES.join(", ")}`);
  }
  const token = newToken();
  return {
    name,
    scopes: scopes as Scope[],
    token,
    entry: keyEntry(name, scopes as Scope[], token),
  };
}
