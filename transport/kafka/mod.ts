/** Kafka through kafkajs behind Sluice's transport interface: transport, producer, consumer, admin. */
export { KafkaTransport } from "./transport.ts";
export type { KafkaTransportOptions } from "./transport.ts";
export { KafkaProducer } from "./producer.ts";
export { KafkaConsumer } from "./consumer.ts";
export { KafkaAdmin } from "./admin.ts";
