/**
 * The text-message service's routes, mounted at `/messages`. `POST /messages` publishes to the
 * topic (there is one write path, through the writer); `?wait=true` then waits until the row is
 * stored. The body's field is `text`, as on the topic; `message` is its deprecated alias. It
 * needs an API key with the write scope and a JSON body (415 otherwise: no form or `text/plain`
 * POST from a foreign page gets through).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ValidationError } from "../lib/errors.ts";
import { CreateMessage, describeIssue, MessageId } from "../schemas/mod.ts";
import type { ApiDeps } from "./deps.ts";
import { fromBroker, readJson } from "./_http.ts";
import { invalid, json, route } from "./_openapi.ts";
import type { ApiAuth } from "./_auth.ts";
import { requireJson, requireScope, security } from "./_auth.ts";
import { Accepted, ErrorBody, PageQuery, Stored, TextList, TextRow } from "./_schemas.ts";

const MAX_RECORD_BYTES = 1_000_000;
const encoder = new TextEncoder();

const tags = ["messages"];

export function textRoutes(deps: ApiDeps, auth: ApiAuth): OpenAPIHono {
  const app = new OpenAPIHono();

  route(app, {
    tags,
    method: "get",
    path: "/",
    summary: "Stored messages, newest first",
    request: { query: PageQuery },
    responses: { 200: json(TextList, "a page of messages"), 400: invalid },
  }, async (c) => {
    const { limit, offset } = c.req.valid("query");
    return c.json({ items: await deps.texts.list(limit, offset), limit, offset });
  });

  route(app, {
    tags,
    method: "get",
    path: "/{id}",
    summary: "One message",
    request: { params: z.object({ id: MessageId.describe("the message id, percent-encoded") }) },
    responses: {
      200: json(TextRow, "the message"),
      400: invalid,
      404: json(ErrorBody, "no such id"),
    },
  }, async (c) => {
    const { id } = c.req.valid("param");
    const row = await deps.texts.get(id);
    return row ? c.json(row) : c.json({ error: `message ${id} not found` }, 404);
  });

  route(app, {
    tags,
    method: "post",
    path: "/",
    summary: "Publish a message to the topic (one write path, through the writer)",
    security: security("write"),
    middleware: [requireScope(auth, "write"), requireJson()],
    request: {
      query: z.object({ wait: z.string().optional().describe("`true`: answer once stored") }),
      body: { content: { "application/json": { schema: CreateMessage } }, required: true },
    },
    responses: {
      201: json(Stored, "stored (with `?wait=true`)"),
      202: json(Accepted, "published; the writer stores it"),
      400: invalid,
      413: json(
        ErrorBody,
        "the body is over API_MAX_BODY_BYTES, or the record over the topic's `max.message.bytes`",
      ),
      415: json(ErrorBody, "the body is not application/json"),
      503: json(ErrorBody, "the broker is unavailable"),
      504: json(ErrorBody, "not stored within the wait"),
    },
  }, async (c) => {
    const parsed = CreateMessage.safeParse(await readJson(c.req.raw));
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw new ValidationError(message, { field });
    }
    const { text, message, id = crypto.randomUUID() } = parsed.data;
    // The schema lets exactly one of them through; errors name the one the client sent.
    const field = text === undefined ? "message" : "text";
    const value = JSON.stringify({ id, text: text ?? message });
    // Kafka's default limit is about 1 MB per record: a bigger one can never be published.
    if (encoder.encode(value).length > MAX_RECORD_BYTES) {
      throw new ValidationError(`${field}: must encode to at most ${MAX_RECORD_BYTES} bytes`, {
        field,
      });
    }
    const [delivery] = await fromBroker(
      "Publishing the message",
      deps.producer.send(deps.textTopic, [
        { key: id, value },
      ]),
    );
    if (c.req.query("wait") !== "true") {
      return c.json({ id, status: "accepted", ...delivery }, 202);
    }
    const deadline = Date.now() + deps.waitTimeoutMs;
    while (Date.now() < deadline) {
      const row = await deps.texts.get(id);
      if (row) return c.json({ id, status: "stored", message: row }, 201);
      await new Promise((r) => setTimeout(r, 20));
    }
    return c.json({ error: "timed out waiting for the message to be stored", id }, 504);
  });

  return app;
}
