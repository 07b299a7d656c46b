/**
 * Dead letters on a broker topic: a message that cannot be parsed or validated is produced to
 * `<topic>.dlq` with its original key and bytes and headers naming the reason and where it came
 * from. The caller acks it afterwards, so a poison message never stops its partition.
 */
import type { Logger } from "../lib/log.ts";
import { countDeadLetters } from "../lib/metrics.ts";
import { DLQ_HEADERS, dlqTopic } from "./types.ts";
import type { DeadLetter, DeadLetterQueue, OutRecord, Producer } from "./types.ts";

const decoder = new TextDecoder();

export class TopicDeadLetters implements DeadLetterQueue {
  constructor(private producer: Producer, private log: Logger) {}

  /** `fields` are logged with the item (an `order_id`, say). */
  async send(items: DeadLetter[]): Promise<void> {
    const byTopic = new Map<string, OutRecord[]>();
    for (const { env, reason, fields } of items) {
      const m = env.message;
      this.log.warn("dead-lettering message", {
        ...fields,
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        reason,
      });
      const records = byTopic.get(m.topic) ?? [];
      records.push({
        key: m.key ? decoder.decode(m.key) : null,
        value: m.value ?? new Uint8Array(),
        headers: {
          ...m.headers,
          [DLQ_HEADERS.reason]: reason,
          [DLQ_HEADERS.sourceTopic]: m.topic,
          [DLQ_HEADERS.sourcePartition]: String(m.partition),
          [DLQ_HEADERS.sourceOffset]: m.offset,
        },
      });
      byTopic.set(m.topic, records);
    }
    await Promise.all(
      [...byTopic].map(([topic, recs]) => this.producer.send(dlqTopic(topic), recs)),
    );
    for (const [topic, recs] of byTopic) {
      countDeadLetters(topic, recs.map((r) => String(r.headers?.[DLQ_HEADERS.reason])));
    }
  }

  /** The producer is the process's, shared: closing the queue leaves it open. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
