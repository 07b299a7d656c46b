/**
 * Everything Sluice does with Redis as a broker, in one module: the inputs behind the consumer
 * interface (`stream.ts`, `pubsub.ts`), the output and the inputs' dead letters (`output.ts`).
 * - Stream (`RedisStreamConsumer`): a consumer group read with XREADGROUP; an entry is XACKed
 *   only after its envelope is acked (the write is stored). Entries left pending by a consumer
 *   that died are reclaimed with XAUTOCLAIM once idle for `claimIdleMs`, following its cursor
 *   through the whole pending list. At-least-once. A member leaves the group on graceful stop
 *   when nothing is pending on it, and on start prunes members that have nothing pending and
 *   have been idle longer than `claimIdleMs`, so restarts do not pile up dead members.
 * - Output (`RedisOutput`, `xaddTrimmed`): XADD with an approximate `MAXLEN ~ n` trim to a stream
 *   and/or PUBLISH to a channel, confirmed per batch.
 * - Dead letters (`RedisDeadLetters`): XADD to `<stream>.dlq` with the reason and original data.
 * - Pub/sub (`RedisPubSubConsumer`): a channel subscription, kept for compatibility with the
 *   seed services. Redis does not keep pub/sub messages: what arrives while no one listens, or
 *   while a writer crashes, is gone. At-most-once.
 */
export {
  type ConsumerInfo,
  parseConsumers,
  RedisStreamConsumer,
  type RedisStreamOptions,
} from "./stream.ts";
export { RedisPubSubConsumer, type RedisPubSubOptions } from "./pubsub.ts";
export {
  DEFAULT_STREAM_MAXLEN,
  RedisDeadLetters,
  RedisOutput,
  type RedisOutputOptions,
  type StreamAppendOptions,
  xaddTrimmed,
} from "./output.ts";
