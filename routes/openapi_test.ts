import assert from "node:assert/strict";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { z } from "zod";
import { conforming, testApp } from "../tests/helpers/test_app.ts";
import { json, openApiDocument, openApiPath, route } from "./_openapi.ts";

type Paths = Record<string, Record<string, { "x-undescribed"?: boolean }>>;

/** Every prefix the API serves: each is described (no `x-undescribed` entry). */
const DESCRIBED =
  /^\/(health|ready|stats|metrics|openapi\.json|docs|messages|orders|trends|alerts|sentiment|dashboard|events|finance|analyze|logs)(\/|$)/;

Deno.test("every registered route is in /openapi.json (OpenAPI 3.1), described with zod schemas", async () => {
  const { app, close } = await testApp();
  try {
    const res = await app.request("/openapi.json");
    assert.equal(res.status, 200);
    const doc = await res.json() as { openapi: string; paths: Paths };
    assert.equal(doc.openapi, "3.1.0");
    const routes = app.routes.filter((r) => r.method !== "ALL");
    assert.ok(routes.length >= 15, `${routes.length} routes`);
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.path} is in the document`);
      assert.ok(DESCRIBED.test(r.path), `${r.method} ${r.path} under a known prefix`);
      assert.ok(!op["x-undescribed"], `${r.method} ${r.path} described`);
    }
    const order = doc.paths["/orders/{order_id}"].get as unknown as {
      parameters: Array<{ name: string; in: string }>;
      responses: Record<string, unknown>;
    };
    assert.deepEqual(order.parameters.map((p) => [p.name, p.in]), [["order_id", "path"]]);
    assert.deepEqual(
      Object.keys(order.responses).sort(),
      ["200", "400", "401", "403", "404", "500", "503"],
    );
  } finally {
    await close();
  }
});

Deno.test("a plain Hono sub-app's routes are in the document too, as undescribed entries", () => {
  const app = new OpenAPIHono();
  const plain = new Hono();
  plain.get("/:id", (c) => c.json({ id: c.req.param("id") }));
  app.route("/events", plain);
  const doc = openApiDocument(app) as unknown as { paths: Paths };
  const op = doc.paths["/events/{id}"].get as { "x-undescribed"?: boolean; parameters?: unknown };
  assert.equal(op["x-undescribed"], true);
  assert.deepEqual(op.parameters, [{
    name: "id",
    in: "path",
    required: true,
    schema: { type: "string" },
  }]);
});

Deno.test("/docs serves Swagger UI from the swagger-ui-dist package, no CDN", async () => {
  const { app, close } = await testApp();
  try {
    const page = await (await app.request("/docs")).text();
    assert.match(page, /\/openapi\.json/);
    assert.doesNotMatch(page, /https?:\/\//);
    const js = await app.request("/docs/swagger-ui-bundle.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.ok((await js.text()).length > 100_000);
    assert.equal((await app.request("/docs/secret.txt")).status, 404);
  } finally {
    await close();
  }
});

Deno.test("the route tests' check rejects an answer that does not match its declared schema", async () => {
  const app = new OpenAPIHono();
  route(app, {
    method: "get",
    path: "/n",
    responses: { 200: json(z.object({ n: z.number() }), "a number") },
  }, (c) => c.json({ n: c.req.query("n") === "bad" ? "one" : 1 }));
  route(app, { method: "get", path: "/m", responses: {} }, (c) => c.json({}, 201));
  const checked = conforming(app);
  assert.equal((await checked.request("/n")).status, 200);
  await assert.rejects(
    async () => await checked.request("/n?n=bad"),
    /does not match the OpenAPI document/,
  );
  await assert.rejects(async () => await checked.request("/m"), /status 201 not declared/);
});
