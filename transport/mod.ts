/**
 * Broker clients behind one interface: Kafka (kafkajs) for real deployments and tests, and an
 * in-memory broker with the same semantics for `deno task dev` and unit tests.
 */
export * from "./types.ts";
export { MemoryBroker, MemoryTransport } from "./memory.ts";
export { KafkaTransport } from "./kafka/mod.ts";
export type { KafkaTransportOptions } from "./kafka/mod.ts";
export { boundedCopy, deadLetterDefaults, TopicDeadLetters } from "./dead_letters.ts";
export type { DeadLetterOptions } from "./dead_letters.ts";
export {
  isSizeRefusal,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  recordBytes,
  RecordTooLargeError,
  sendOrRefuse,
  usableBytes,
} from "./size.ts";
export { BatchingProducer } from "./batching.ts";
export type { BatchingProducerOptions } from "./batching.ts";
