/**
 * API keys: bearer tokens with scopes, kept only as the SHA-256 of the token. `API_KEYS` lists
 * them as `name:scope[,scope]:sha256hex` entries separated by `;`, so no token is ever in the
 * environment, a file or a log; `main.ts cli key create` makes a token and prints its entry.
 * Scopes nest: `admin` may do what `write` may, and `write` what `read` may.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = typeof SCOPES[number];

export interface ApiKey {
  name: string;
  scopes: Scope[];
  /** SHA-256 of the token, 32 bytes. */
  hash: Uint8Array;
}

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

/** Whether `key` may act with `scope` (a higher scope includes the lower ones). */
export function allows(key: ApiKey, scope: Scope): boolean {
  return key.scopes.some((s) => RANK[s] >= RANK[scope]);
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * SHA-256 of `token`. Synchronous: every authenticated request hashes its token, and the
 * WebCrypto digest (a round trip to a worker thread) was a fifth of `POST /messages`' CPU.
 */
export function hashToken(token: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(token).digest());
}

/** A new random token: `sluice_` and 32 random bytes in base64url (the bearer token charset). */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return "sluice_" + btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The `API_KEYS` entry of `token` under `name` with `scopes`. */
export function keyEntry(name: string, scopes: Scope[], token: string): string {
  return `${name}:${scopes.join(",")}:${hex(hashToken(token))}`;
}

/** Parses `API_KEYS`; throws a `TypeError` naming the entry at fault (never echoing a hash). */
export function parseApiKeys(spec: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const [i, entry] of spec.split(";").map((e) => e.trim()).entries()) {
    if (!entry) continue;
    const m = /^([A-Za-z0-9_.-]{1,64}):([a-z,]+):([0-9a-fA-F]{64})$/.exec(entry);
    if (!m) {
      throw new TypeError(
        `entry ${
          i + 1
        }: must be name:scope[,scope]:sha256hex (64 hex digits of the token's SHA-256)`,
      );
    }
    const scopes = m[2].split(",").filter(Boolean);
    const bad = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
    if (bad !== undefined || scopes.length === 0) {
      throw new TypeError(`entry ${i + 1} (${m[1]}): scopes must be among ${SCOPES.join(", ")}`);
    }
    const hash = new Uint8Array(m[3].match(/../g)!.map((h) => parseInt(h, 16)));
    keys.push({ name: m[1], scopes: scopes as Scope[], hash });
  }
  return keys;
}

/** The key whose hash is `token`'s, compared in constant time against every key. */
export function findKey(keys: ApiKey[], token: string): ApiKey | null {
  const hash = hashToken(token);
  let found: ApiKey | null = null;
  for (const key of keys) {
    if (timingSafeEqual(key.hash, hash) && found === null) found = key;
  }
  return found;
}
