/** The food-order routes, mounted at `/orders`: list (by customer) and get. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { CustomerId, OrderId } from "../schemas/mod.ts";
import type { ApiDeps } from "./deps.ts";
import { invalid, json, route } from "./_openapi.ts";
import { ErrorBody, OrderList, OrderRow, PageQuery } from "./_schemas.ts";

const tags = ["orders"];

export function orderRoutes(deps: ApiDeps): OpenAPIHono {
  const app = new OpenAPIHono();

  route(app, {
    tags,
    method: "get",
    path: "/",
    summary: "Stored food orders, newest first",
    request: {
      query: PageQuery.extend({
        customer_id: z.string()
          .refine((s) => s === "" || CustomerId.safeParse(s).success, "must look like CUST-XXXXX")
          .optional().describe("CUST-XXXXX"),
      }),
    },
    responses: { 200: json(OrderList, "a page of orders"), 400: invalid },
  }, async (c) => {
    const { limit, offset, customer_id } = c.req.valid("query");
    const customer = customer_id || undefined;
    const items = await deps.orders.list(limit, offset, customer);
    return c.json({ items, limit, offset, customer_id: customer ?? null });
  });

  route(app, {
    tags,
    method: "get",
    path: "/{order_id}",
    summary: "One food order",
    request: {
      params: z.object({
        order_id: z.string()
          .refine((s) => OrderId.safeParse(s).success, "must look like ORD-YYYYMMDD-NNNNN")
          .describe("ORD-YYYYMMDD-NNNNN"),
      }),
    },
    responses: {
      200: json(OrderRow, "the order"),
      400: invalid,
      404: json(ErrorBody, "no such order"),
    },
  }, async (c) => {
    const id = c.req.valid("param").order_id;
    const row = await deps.orders.get(id);
    return row ? c.json(row) : c.json({ error: `order ${id} not found` }, 404);
  });

  return app;
}
