/**
 * The one validation layer for path and query parameters: `route()` puts `validate(config)` in
 * front of every handler. Parameters are percent-decoded once, strictly, from the request's own
 * URL (Hono hands a malformed escape such as `%ZZ` through undecoded, which a handler decoding
 * again would turn into another value or an exception), checked for what PostgreSQL cannot hold
 * (NUL, unpaired surrogates), then parsed by the route's zod schemas. Any failure is a
 * `ValidationError` naming the parameter (HTTP 400), before the handler and the database.
 */
import type { MiddlewareHandler } from "hono";
import type { RouteConfig } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { ValidationError } from "../lib/errors.ts";
import { unstorable } from "../schemas/mod.ts";

function decode(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(`${field}: must be percent-encoded UTF-8`, { field });
  }
}

function checkText(value: string, field: string): string {
  const why = unstorable(value);
  if (why) throw new ValidationError(`${field}: ${why}`, { field });
  return value;
}

/**
 * The path parameters of `pathname` for a route declared as `path` (`/{keyword}`): the route's
 * segments are the last ones of the request's path, whatever prefix the sub-app is mounted at.
 */
export function pathParams(pathname: string, path: string): Record<string, string> {
  const declared = path.split("/").filter(Boolean);
  const actual = pathname.split("/").filter(Boolean).slice(-declared.length);
  const out: Record<string, string> = {};
  declared.forEach((seg, i) => {
    const name = /^\{(\w+)\}$/.exec(seg)?.[1];
    if (name) out[name] = checkText(decode(actual[i] ?? "", name), name);
  });
  return out;
}

/** The query string's parameters, first value of each, decoded strictly (`+` is a space). */
export function queryParams(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of search.replace(/^\?/, "").split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = checkText(decode(rawKey.replaceAll("+", " "), "query"), "query");
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    if (key in out) continue;
    out[key] = checkText(decode(value.replaceAll("+", " "), key), key);
  }
  return out;
}

function parse(schema: ZodType | undefined, values: Record<string, string>, where: string) {
  if (!schema) return values;
  const r = schema.safeParse(values);
  if (r.success) return r.data as Record<string, unknown>;
  const issue = r.error.issues[0];
  const field = String(issue?.path[0] ?? where);
  throw new ValidationError(`${field}: ${issue?.message ?? "invalid"}`, { field });
}

/** The middleware parsing `config`'s path and query parameters; read them with `c.req.valid`. */
export function validate(config: RouteConfig): MiddlewareHandler {
  const params = config.request?.params as ZodType | undefined;
  const query = config.request?.query as ZodType | undefined;
  return async function validateParams(c, next) {
    const url = new URL(c.req.url);
    c.req.addValidatedData("param", parse(params, pathParams(url.pathname, config.path), "path"));
    c.req.addValidatedData("query", parse(query, queryParams(url.search), "query"));
    await next();
  };
}
