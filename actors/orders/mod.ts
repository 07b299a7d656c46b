/** The food-order pipeline: the order producer → `food-orders` → the order processor → `orders`. */
export { orderProcessorRole, orderProducerRole } from "./role.ts";
export * from "./generator.ts";
export * from "./processor.ts";
export * from "./producer.ts";
export * from "./store.ts";
