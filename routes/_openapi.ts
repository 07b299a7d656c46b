/**
 * The OpenAPI 3.1 document, generated from the zod schemas each route declares with
 * `@hono/zod-openapi`'s `createRoute`, served at `/openapi.json`, and Swagger UI at `/docs`
 * (the `swagger-ui-dist` package's files, served from here: nothing is fetched from a CDN).
 *
 * `route()` registers a declaration and mounts its handler behind the one validation layer
 * (`_validate.ts`): path and query parameters are decoded strictly and parsed by the declared zod
 * schemas, a failure is a 400 naming the parameter, and the handler reads the parsed values with
 * `c.req.valid("param" | "query")`, typed from the declaration. JSON bodies are parsed by the
 * handlers (`readJson` and the body's schema, 400 naming the field). The route tests check every
 * answer against the declared schemas (`tests/helpers/test_app.ts`). A plain Hono sub-app
 * mounted with `app.route()` still appears in the document, as an undescribed entry (path,
 * method, path parameters): converting it is replacing `new Hono()` with `new OpenAPIHono()`
 * and each `app.get(path, handler)` with `route(app, {...}, handler)`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { RouteConfig } from "@hono/zod-openapi";
import type { Env, Handler, MiddlewareHandler } from "hono";
import type { z, ZodType } from "zod";
import { Document, ErrorBody, Text } from "./_schemas.ts";
import { validate } from "./_validate.ts";

/** The document's paths: `/orders/{order_id}` for Hono's `/orders/:order_id`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

/** What a declared request part parses to (`{}` when the route declares none). */
type Parsed<R extends RouteConfig, K extends "params" | "query"> = R["request"] extends
  { [k in K]?: infer S } ? S extends ZodType ? z.output<S> : Record<string, never>
  : Record<string, never>;

/** The input a handler of `R` reads with `c.req.valid()`. */
export type RouteInput<R extends RouteConfig> = {
  out: { param: Parsed<R, "params">; query: Parsed<R, "query"> };
};

/**
 * Declares `config` in `app`'s document and serves it with `handler`, behind `validate` and
 * then `config.middleware` (auth, content type, body limit: checks that answer before parsing).
 */
export function route<R extends RouteConfig, E extends Env = Env>(
  app: OpenAPIHono<E>,
  config: R,
  handler: Handler<E, string, RouteInput<R>>,
): void {
  // Any route can meet bad parameters, a missing key, a failing dependency or a bug.
  const failures = {
    // Every route parses its query string (`validate`): a malformed one is a 400 anywhere.
    400: json(ErrorBody, "a parameter is invalid (`field` names it)"),
    401: json(ErrorBody, "an API key is required (writes; reads with API_AUTH_READS)"),
    403: json(ErrorBody, "the API key lacks the scope"),
    500: json(ErrorBody, "internal error (logged)"),
    503: json(ErrorBody, "a dependency (database, broker) is unavailable"),
  };
  const { middleware, ...declared } = config;
  app.openAPIRegistry.registerPath({
    ...declared,
    responses: { ...failures, ...config.responses },
  });
  const chain: MiddlewareHandler<E>[] = [
    ...[middleware ?? []].flat() as MiddlewareHandler<E>[],
    validate(config),
  ];
  app.on(config.method.toUpperCase(), [honoPath(config.path)], ...chain, handler as Handler<E>);
}

/** A JSON response of `schema`. */
export function json(schema: ZodType, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** The 400 of a route whose parameters the handler checks. */
export const invalid = json(ErrorBody, "a parameter is invalid (`field` names it)");

/** A non-JSON response (`text/html`, `text/plain`...), a string as far as the document goes. */
export function text(type: string, schema: ZodType, description: string) {
  return { description, content: { [type]: { schema } } };
}

type Doc = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;
type Operation = NonNullable<NonNullable<Doc["paths"]>[string]["get"]>;

const API_INFO = {
  title: "Sluice",
  description: "Stream ingestion and analytics: text messages, food orders, social trends, " +
    "finance sentiment. Writes need `Authorization: Bearer <API key>` with the write scope.",
};

/** The document of `app`, with every mounted route: undescribed ones (plain sub-apps) too. */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>, info = API_INFO): Doc {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { ...info, version: "1" } });
  doc.paths ??= {};
  for (const r of app.routes) {
    if (r.method === "ALL") continue; // middleware
    const path = openApiPath(r.path);
    const method = r.method.toLowerCase() as "get";
    const item = doc.paths[path] ??= {};
    if (item[method]) continue;
    const params = [...r.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
      name,
      in: "path" as const,
      required: true,
      schema: { type: "string" as const },
    }));
    item[method] = {
      summary: "Undescribed route (a plain Hono sub-app)",
      "x-undescribed": true,
      ...(params.length ? { parameters: params } : {}),
      responses: { default: { description: "not described yet" } },
    } as Operation;
  }
  return doc;
}

/**
 * What the document declares for `method path` answering `status`: `null` when no route
 * matches, `declared: false` for an undeclared status, `schema` when the answer is JSON.
 */
export function declaredAnswer(
  app: OpenAPIHono,
  method: string,
  path: string,
  status: number,
): { declared: boolean; schema?: ZodType } | null {
  for (const d of app.openAPIRegistry.definitions) {
    if (d.type !== "route" || d.route.method !== method.toLowerCase()) continue;
    const pattern = "^" + d.route.path.replace(/\{\w+\}/g, "[^/]+").replace(/\/$/, "") + "/?$";
    if (!new RegExp(pattern).test(path)) continue;
    const res = d.route.responses[status];
    if (!res || !("content" in res)) return { declared: false };
    const media = res.content?.["application/json"] as { schema?: ZodType } | undefined;
    return { declared: true, schema: media?.schema };
  }
  return null;
}

let assets: Promise<Record<string, string>> | null = null;

/** Swagger UI's script and stylesheet from the `swagger-ui-dist` package. */
function swaggerAssets(): Promise<Record<string, string>> {
  assets ??= (async () => {
    // As the dashboard finds Chart.js: next to the package's main file (compiled binaries too).
    const dir = new URL("./", import.meta.resolve("swagger-ui-dist"));
    const read = (f: string) => Deno.readTextFile(new URL(f, dir));
    const [js, css] = await Promise.all([read("swagger-ui-bundle.js"), read("swagger-ui.css")]);
    return { "swagger-ui-bundle.js": js, "swagger-ui.css": css };
  })();
  return assets;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });</script>
</body></html>`;

/** `/openapi.json`, `/docs` and Swagger UI's two files, on `app` (a server's root app). */
export function mountDocs<E extends Env>(
  app: OpenAPIHono<E>,
  title = API_INFO.title,
  description = API_INFO.description,
): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`main.ts cli key create`); scopes read < write < admin",
  });
  route(app, {
    method: "get",
    path: "/openapi.json",
    summary: "This document (OpenAPI 3.1)",
    tags: ["api"],
    responses: { 200: json(Document, "the OpenAPI document") },
  }, (c) => c.json(openApiDocument(app, { title, description })));
  route(app, {
    method: "get",
    path: "/docs",
    summary: "Swagger UI over this document",
    tags: ["api"],
    responses: { 200: text("text/html", Text, "the Swagger UI page") },
  }, (c) => c.html(DOCS_PAGE));
  route(app, {
    method: "get",
    path: "/docs/{file}",
    summary: "Swagger UI's script and stylesheet",
    tags: ["api"],
    responses: {
      200: text("text/javascript", Text, "swagger-ui-bundle.js or swagger-ui.css"),
      404: json(ErrorBody, "no such file"),
    },
  }, async (c) => {
    const file = c.req.param("file") ?? "";
    const body = (await swaggerAssets())[file];
    if (body === undefined) return c.json({ error: `no file ${file}` }, 404);
    c.header("content-type", file.endsWith(".css") ? "text/css" : "text/javascript");
    c.header("cache-control", "public, max-age=3600");
    return c.body(body);
  });
}
