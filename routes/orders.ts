/** The food-order routes, mounted at `/orders`: list (by customer) and get. */
import { Hono } from "hono";
import { ValidationError } from "../lib/errors.ts";
import { CustomerId, OrderId } from "../schemas/mod.ts";
import type { ApiDeps } from "./deps.ts";
import { pageParams } from "./_http.ts";

export function orderRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.get("/", async (c) => {
    const { limit, offset } = pageParams((name) => c.req.query(name));
    const customer = c.req.query("customer_id") || undefined;
    if (customer !== undefined && !CustomerId.safeParse(customer).success) {
      throw new ValidationError("customer_id: must look like CUST-XXXXX", { field: "customer_id" });
    }
    const items = await deps.orders.list(limit, offset, customer);
    return c.json({ items, limit, offset, customer_id: customer ?? null });
  });

  app.get("/:order_id", async (c) => {
    const id = c.req.param("order_id");
    if (!OrderId.safeParse(id).success) {
      throw new ValidationError("order_id: must look like ORD-YYYYMMDD-NNNNN", {
        field: "order_id",
      });
    }
    const row = await deps.orders.get(id);
    return row ? c.json(row) : c.json({ error: `order ${id} not found` }, 404);
  });

  return app;
}
