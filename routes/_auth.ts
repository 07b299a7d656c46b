/**
 * Who may call what: bearer API keys with scopes (`lib/api_keys.ts`) through Hono's
 * `bearer-auth`, the JSON content type on JSON writes (a foreign page's form or `text/plain`
 * POST gets 415 instead of a write), and CORS only for the origins listed. Write routes require
 * `write` always; reads require `read` only with `API_AUTH_READS=true`. With no key configured
 * a protected route answers 401 saying how to configure one (the process still starts: first
 * runs and tests keep working for reads).
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { allows, findKey } from "../lib/api_keys.ts";
import type { ApiKey, Scope } from "../lib/api_keys.ts";
import type { Config } from "../lib/config.ts";

export interface ApiAuth {
  keys: ApiKey[];
  /** Reads require the `read` scope too. */
  authReads: boolean;
  /** Origins CORS answers for; empty: no CORS headers at all. */
  corsOrigins: string[];
}

/** The API keys, read rule and CORS origins of the configuration. */
export function apiAuth(c: Config, corsOrigins = c.CORS_ORIGINS): ApiAuth {
  return { keys: c.API_KEYS, authReads: c.API_AUTH_READS, corsOrigins };
}

/** No keys, reads open, no CORS: what a process without configuration gets. */
export const NO_AUTH: ApiAuth = { keys: [], authReads: false, corsOrigins: [] };

export const NO_KEYS_MESSAGE = "no API key is configured on this server: create one with " +
  "`deno task cli key create <name> --scopes write`, set API_KEYS to the entry it prints, " +
  "restart, and send `Authorization: Bearer <token>` (the CLI sends SLUICE_API_KEY)";

const REALM = "sluice";
const challenge = `Bearer realm="${REALM}"`;

/** The OpenAPI security requirement of a route needing `scope`. */
export const security = (scope: Scope) => [{ bearer: [scope] }];

/** Requires a bearer token whose key has `scope`: 401 without a known one, 403 without the scope. */
export function requireScope(auth: ApiAuth, scope: Scope): MiddlewareHandler {
  const check = bearerAuth({
    realm: REALM,
    verifyToken: (token) => {
      const key = findKey(auth.keys, token);
      if (!key) return false;
      if (!allows(key, scope)) {
        const body = JSON.stringify({ error: `API key ${key.name} lacks the ${scope} scope` });
        throw new HTTPException(403, {
          res: new Response(body, { status: 403, headers: { "content-type": "application/json" } }),
        });
      }
      return true;
    },
    noAuthenticationHeader: {
      message: { error: `an API key with the ${scope} scope is required: Authorization: Bearer` },
    },
    invalidAuthenticationHeader: {
      message: { error: "Authorization: must be `Bearer <token>`", field: "authorization" },
    },
    invalidToken: { message: { error: "unknown API key" } },
  });
  return async function requireApiKey(c, next) {
    if (auth.keys.length === 0) {
      return c.json({ error: NO_KEYS_MESSAGE }, 401, { "WWW-Authenticate": challenge });
    }
    return await check(c, next);
  };
}

/** `requireScope(auth, "read")` when reads are protected, else nothing to check. */
export function requireRead(auth: ApiAuth): MiddlewareHandler {
  const check = requireScope(auth, "read");
  return async function requireReadKey(c, next) {
    if (!auth.authReads) return await next();
    return await check(c, next);
  };
}

/** JSON write routes: a body of another type (a form, `text/plain`) is a 415. */
export function requireJson(): MiddlewareHandler {
  return async function requireJsonBody(c, next) {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      return c.json({
        error: "content-type: must be application/json",
        field: "content-type",
      }, 415);
    }
    return await next();
  };
}

/**
 * CORS for the listed origins only (`*`: any); with none listed, no CORS headers, so browsers
 * keep foreign pages from reading answers or sending credentialed or JSON requests.
 */
export function corsFor(origins: string[], allowHeaders: string[]): MiddlewareHandler {
  if (origins.length === 0) {
    return async function noCors(_c, next) {
      await next();
    };
  }
  return cors({
    origin: origins.includes("*") ? "*" : origins,
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["content-type", "authorization", ...allowHeaders],
    exposeHeaders: ["x-request-id", "retry-after", "www-authenticate"],
    maxAge: 600,
  });
}
