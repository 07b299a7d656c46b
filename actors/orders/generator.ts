/**
 * Mock food orders: 100 customers, a menu of 20 items priced $2–$15, 1–5 lines per order,
 * totals equal to the sum of the lines. Order ids are `ORD-YYYYMMDD-NNNNN`, numbered from blocks
 * reserved in the database (`ids.ts`) so a restarted producer never reuses one.
 */
import type { Order } from "../../schemas/orders.ts";

export const CUSTOMERS: readonly string[] = Array.from(
  { length: 100 },
  (_, i) => `CUST-${String(i + 1).padStart(5, "0")}`,
);

const NAMES = [
  "Margherita Pizza",
  "Pepperoni Pizza",
  "Cheeseburger",
  "Veggie Burger",
  "Chicken Wings",
  "Caesar Salad",
  "Greek Salad",
  "Pad Thai",
  "Chicken Curry",
  "Beef Tacos",
  "Falafel Wrap",
  "Sushi Roll",
  "Ramen Bowl",
  "Fish and Chips",
  "Lasagna",
  "Garlic Bread",
  "French Fries",
  "Milkshake",
  "Iced Tea",
  "Brownie",
];
const PRICES = [
  12.5,
  13.99,
  10.75,
  9.5,
  8.99,
  7.25,
  7.5,
  11.95,
  12.25,
  9.99,
  8.5,
  14.5,
  13.25,
  14.99,
  12.99,
  3.99,
  2.99,
  5.5,
  2.5,
  4.25,
];

export interface MenuItem {
  item_id: string;
  name: string;
  price: number;
}

export const MENU: readonly MenuItem[] = NAMES.map((name, i) => ({
  item_id: `ITEM-${String(i + 1).padStart(2, "0")}`,
  name,
  price: PRICES[i],
}));

export function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll("-", "");
}

export function orderId(day: string, seq: number): string {
  return `ORD-${day}-${String(seq).padStart(5, "0")}`;
}

/** One order; `random` is injectable for deterministic tests. */
export function generateOrder(id: string, now: Date, random: () => number = Math.random): Order {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const lines = 1 + Math.floor(random() * 5);
  const chosen = new Set<MenuItem>();
  while (chosen.size < lines) chosen.add(pick(MENU));
  const items = [...chosen].map((m) => ({ ...m, quantity: 1 + Math.floor(random() * 3) }));
  const cents = items.reduce((n, i) => n + Math.round(i.price * 100) * i.quantity, 0);
  return {
    order_id: id,
    customer_id: pick(CUSTOMERS),
    items,
    total_amount: cents / 100,
    status: "pending",
    created_at: now.toISOString(),
  };
}
