import assert from "node:assert/strict";
import fc from "fast-check";
import { assertParsesAsZod } from "../tests/helpers/same_parse.ts";
import { CompiledOrder, FastOrder, Order } from "./orders.ts";

/** Mostly the valid form, sometimes the other. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: other });
const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });

/** A line with its keys in another order, or an extra key: zod's copy of it has neither. */
const reshaped = (line: Record<string, unknown>, how: number, any: unknown) => {
  if (how === 1) return Object.fromEntries(Object.entries(line).reverse());
  if (how === 2) return { ...line, note: any };
  return line;
};

const line = fc.record({
  item_id: mostly(digits(2).map((d) => `ITEM-${d}`), fc.string()),
  name: mostly(
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.oneof(fc.string(), fc.constant("a\u0000b"), fc.string({ minLength: 201, maxLength: 210 })),
  ),
  price: mostly(
    fc.integer({ min: 1, max: 1500 }).map((c) => c / 100),
    fc.oneof(fc.double(), fc.integer(), fc.jsonValue()),
  ),
  quantity: mostly(fc.integer({ min: 1, max: 3 }), fc.oneof(fc.integer(), fc.double())),
});
const item = fc.tuple(line, fc.nat(20), fc.jsonValue()).map(([l, how, any]) =>
  reshaped(l, how, any)
);

/** Orders that are valid or nearly so: a field replaced by anything, a key dropped, extra keys. */
const order = fc.tuple(
  fc.record({
    order_id: mostly(fc.tuple(digits(8), digits(5)).map(([d, n]) => `ORD-${d}-${n}`), fc.string()),
    customer_id: mostly(digits(5).map((d) => `CUST-${d}`), fc.string()),
    items: mostly(fc.array(item, { minLength: 1, maxLength: 4 }), fc.jsonValue()),
    status: mostly(fc.constantFrom("pending", "delivered", "cancelled"), fc.string()),
    created_at: mostly(
      fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z") })
        .filter((d) => !isNaN(d.getTime())).map((d) => d.toISOString()),
      fc.oneof(
        fc.constantFrom(
          "2026-11-30T10:00:00+01:00",
          "2026-11-30T10:00:00",
          "2026-13-01T00:00:00Z",
          "+010000-01-01T00:00:00Z",
          // Offsets that carry the year out of 1–9999, and ones that keep it in.
          "0001-01-01T00:30:00+01:00",
          "0001-01-01T01:30:00+01:00",
          "0000-12-31T23:30:00-01:00",
          "9999-12-31T23:30:00-01:00",
          "9999-12-31T22:30:00-01:00",
          "0002-01-01T00:00:00+23:59",
          "9998-12-31T23:59:59.999-23:59",
        ),
        fc.string(),
      ),
    ),
    extra: fc.jsonValue(),
  }, { requiredKeys: ["order_id", "customer_id", "items", "status", "created_at"] }),
  fc.nat(30),
  fc.jsonValue(),
).map(([o, pick, any]) => {
  const lines = Array.isArray(o.items) ? o.items as Array<Record<string, unknown>> : [];
  // Only numbers count: a generated value can be an object Number() cannot convert at all (a
  // `valueOf` or `toString` key that is not a function), which would throw here.
  const num = (v: unknown) => typeof v === "number" ? v : NaN;
  const cents = lines.reduce(
    (n, i) => n + Math.round(num(i?.price) * 100) * num(i?.quantity),
    0,
  );
  const x: Record<string, unknown> = { ...o, total_amount: cents / 100 };
  if (pick === 0) x.total_amount = any;
  if (pick === 1) x.total_amount = cents / 100 + 0.01;
  if (pick === 2) delete x[Object.keys(x)[any === null ? 0 : 3]];
  // Orders without the extra key: the form the producer writes.
  if (pick >= 20) delete x.extra;
  return x;
});
const anyInput = fc.oneof({ weight: 10, arbitrary: order }, {
  weight: 1,
  arbitrary: fc.jsonValue(),
});

Deno.test("the fast order parser accepts, refuses and explains exactly as the zod schema", () => {
  assertParsesAsZod(Order, FastOrder, anyInput, { runs: 5_000, minValid: 500 });
});

Deno.test("the fast order parser's lines serialise as zod's, so the stored items are the same", () => {
  fc.assert(
    fc.property(anyInput, (input) => {
      const a = Order.safeParse(input);
      const b = FastOrder.safeParse(input);
      if (a.success && b.success) {
        assert.equal(JSON.stringify(b.data.items), JSON.stringify(a.data.items));
      }
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("the compiled order schema accepts, refuses and explains exactly as the zod schema", () => {
  assertParsesAsZod(Order, CompiledOrder, anyInput, { runs: 5_000, minValid: 500 });
});
