import { compile, z } from "zod";
import { storable } from "./_storable.ts";

const cents = (n: number) => Math.round(n * 100);

export const OrderItem = z.object({
  item_id: z.string().regex(/^ITEM-\d{2}$/, "must look like ITEM-NN"),
  // PostgreSQL jsonb cannot hold \u0000 (nor unpaired surrogates): such an order is invalid,
  // not a database fault.
  name: storable(
    z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  ),
  price: z.number().positive("must be positive").max(10_000),
  quantity: z.number().int("must be an integer").positive("must be positive"),
});
export type OrderItem = z.infer<typeof OrderItem>;

export const OrderStatus = z.enum(["pending", "confirmed", "preparing", "delivered", "cancelled"]);

/** A food order on the `food-orders` topic, with the business rules. */
export const Order = z.object({
  order_id: z.string().regex(/^ORD-\d{8}-\d{5,}$/, "must look like ORD-YYYYMMDD-NNNNN"),
  customer_id: z.string().regex(/^CUST-\d{5}$/, "must look like CUST-XXXXX"),
  items: z.array(OrderItem).min(1, "must have at least one line"),
  total_amount: z.number().positive("must be greater than 0").max(1_000_000),
  status: OrderStatus,
  created_at: z.iso.datetime({ offset: true }).refine((v) => {
    const year = new Date(v).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, "must be a time between the years 1 and 9999"),
}).superRefine((o, ctx) => {
  const sum = o.items.reduce((n, i) => n + cents(i.price) * i.quantity, 0);
  if (cents(o.total_amount) !== sum) {
    ctx.addIssue({
      code: "custom",
      path: ["total_amount"],
      message: `does not match the lines (${(sum / 100).toFixed(2)})`,
    });
  }
});
export type Order = z.infer<typeof Order>;

/**
 * `Order` compiled by zod into a generated fast path (the runtime parser still answers for
 * invalid input, so the reasons are the same); about 2–3× faster per order. Equal to `Order`
 * on valid and invalid input alike: `orders_test.ts` checks it with generated orders.
 */
export const CompiledOrder = compile(Order, { strict: true });

export const OrderId = z.string().regex(/^ORD-\d{8}-\d{5,}$/);
export const CustomerId = z.string().regex(/^CUST-\d{5}$/);
