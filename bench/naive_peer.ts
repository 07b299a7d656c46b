/**
 * The naive peer the writer is measured against, as the seed services do it: kafkajs
 * `eachMessage`, one INSERT per message, then one offset commit per message.
 */
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";

export interface NaiveOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  databaseUrl: string;
  schema: string;
  /** Stop after this many messages. */
  count: number;
}

export async function runNaivePeer(
  o: NaiveOptions,
): Promise<{ messages: number; seconds: number }> {
  const pool = new pg.Pool({
    connectionString: o.databaseUrl,
    max: 1,
    options: `-c search_path=${o.schema}`,
  });
  const kafka = new Kafka({ brokers: o.brokers, logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: o.groupId });
  let n = 0;
  let started = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (n >= o.count) return;
      if (n === 0) started = performance.now();
      const m = JSON.parse(message.value!.toString());
      await pool.query(
        `INSERT INTO text_messages (id, message) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
        [m.id, m.text],
      );
      await consumer.commitOffsets([{
        topic,
        partition,
        offset: String(BigInt(message.offset) + 1n),
      }]);
      if (++n === o.count) finish();
    },
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  await pool.end();
  return { messages: n, seconds };
}
