import { compile, z } from "zod";
import { storable, unstorable } from "./_storable.ts";

const cents = (n: number) => Math.round(n * 100);

const ITEM_ID = /^ITEM-\d{2}$/;
const ORDER_ID = /^ORD-\d{8}-\d{5,}$/;
const CUSTOMER_ID = /^CUST-\d{5}$/;
/** `z.iso.datetime({ offset: true })`'s own pattern (the fast path below checks with it). */
const DATETIME = z.regexes.datetime({ offset: true, local: false, precision: null });

export const OrderItem = z.object({
  item_id: z.string().regex(ITEM_ID, "must look like ITEM-NN"),
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
  order_id: z.string().regex(ORDER_ID, "must look like ORD-YYYYMMDD-NNNNN"),
  customer_id: z.string().regex(CUSTOMER_ID, "must look like CUST-XXXXX"),
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

const STATUSES: ReadonlySet<unknown> = new Set(OrderStatus.options);

/** A plain object (as `JSON.parse` makes them), read as a record. */
function plain(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype
    ? v as Record<string, unknown>
    : null;
}

/** The usual order line, checked by hand; null sends the whole order to zod. */
function fastItem(v: unknown): OrderItem | null {
  const i = plain(v);
  if (i === null) return null;
  const { item_id, name, price, quantity } = i;
  return typeof item_id === "string" && ITEM_ID.test(item_id) &&
      typeof name === "string" && name.length >= 1 && name.length <= 200 &&
      unstorable(name) === null &&
      typeof price === "number" && price > 0 && price <= 10_000 &&
      typeof quantity === "number" && Number.isSafeInteger(quantity) && quantity > 0
    ? { item_id, name, price, quantity }
    : null;
}

/** The usual valid order, checked by hand in the schema's terms; null when zod must answer. */
function fastOrder(v: unknown): Order | null {
  const o = plain(v);
  if (o === null) return null;
  const { order_id, customer_id, items, total_amount, status, created_at } = o;
  if (
    typeof order_id !== "string" || !ORDER_ID.test(order_id) ||
    typeof customer_id !== "string" || !CUSTOMER_ID.test(customer_id) ||
    !Array.isArray(items) || items.length < 1 ||
    typeof total_amount !== "number" || !(total_amount > 0 && total_amount <= 1_000_000) ||
    !STATUSES.has(status) ||
    typeof created_at !== "string" || !DATETIME.test(created_at)
  ) return null;
  // Years 0002–9998 stay within 1–9999 whatever the offset; the edges are computed as zod does.
  const year = Number(created_at.slice(0, 4));
  if (year < 2 || year > 9998) {
    const utc = new Date(created_at).getUTCFullYear();
    if (!(utc >= 1 && utc <= 9999)) return null;
  }
  const lines: OrderItem[] = [];
  let sum = 0;
  for (const x of items) {
    const line = fastItem(x);
    if (line === null) return null;
    lines.push(line);
    sum = sum + cents(line.price) * line.quantity;
  }
  if (cents(total_amount) !== sum) return null;
  return {
    order_id,
    customer_id,
    items: lines,
    total_amount,
    status: status as Order["status"],
    created_at,
  };
}

/**
 * `Order` with a hand-checked path for the usual order (plain objects, every field valid,
 * the total matching its lines), which builds the same value without zod; anything else goes
 * to `CompiledOrder`, which answers and explains as zod does. The compiled schema's parse was
 * still the processor's largest cost per order after `JSON.parse`. Equal to `Order` on any
 * input: `orders_test.ts` checks it with generated orders.
 */
export const FastOrder = {
  safeParse(v: unknown): z.ZodSafeParseResult<Order> {
    const data = fastOrder(v);
    return data === null ? CompiledOrder.safeParse(v) : { success: true, data };
  },
};

export const OrderId = z.string().regex(ORDER_ID);
export const CustomerId = z.string().regex(CUSTOMER_ID);
