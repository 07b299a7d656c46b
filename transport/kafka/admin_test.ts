import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { KafkaAdmin } from "./admin.ts";

type Raw = ConstructorParameters<typeof KafkaAdmin>[0];

/** The error kafkajs builds from a broker's error code (its typings only admit a message). */
const protocolError = (type: string, code: number, retriable: boolean, message: string) =>
  new kafkajs.KafkaJSProtocolError({ type, code, retriable, message } as unknown as Error);

const unknownTopic = () =>
  protocolError(
    "UNKNOWN_TOPIC_OR_PARTITION",
    3,
    true,
    "This server does not host this topic-partition",
  );

/** An admin client scripted the way a loaded broker answers right after creating a topic. */
function broker(metadata: Array<() => number[]>) {
  const calls = { created: 0, metadata: 0 };
  const topics = new Set<string>();
  const raw = {
    listTopics: () => Promise.resolve([...topics]),
    createTopics: ({ topics: specs }: { topics: Array<{ topic: string }> }) => {
      calls.created++;
      for (const s of specs) topics.add(s.topic);
      return Promise.resolve(true);
    },
    fetchTopicMetadata: ({ topics: names }: { topics: string[] }) => {
      const next = metadata[Math.min(calls.metadata++, metadata.length - 1)];
      const leaders = next();
      return Promise.resolve({
        topics: names.map((name) => ({
          name,
          partitions: leaders.map((leader, partitionId) => ({ partitionId, leader })),
        })),
      });
    },
  };
  return { admin: new KafkaAdmin(raw as unknown as Raw), calls };
}

Deno.test("a topic the broker does not host yet is waited for until every partition has a leader", async () => {
  const { admin, calls } = broker([
    () => {
      throw unknownTopic();
    },
    () => [-1, 0, -1],
    () => [0, 0, 0],
  ]);
  await admin.ensureTopics([{ topic: "t", partitions: 3 }]);
  assert.equal(calls.created, 1, "created once, not again on each retry");
  assert.equal(calls.metadata, 3, "returned only once all three partitions had a leader");
});

Deno.test("a broker error that is not retriable fails topic creation at once", async () => {
  const { admin, calls } = broker([() => {
    throw protocolError(
      "INVALID_REPLICATION_FACTOR",
      38,
      false,
      "Replication factor is below 1 or larger than the number of available brokers",
    );
  }]);
  await assert.rejects(
    admin.ensureTopics([{ topic: "t", partitions: 1 }]),
    /Creating topics failed: Replication factor/,
  );
  assert.equal(calls.metadata, 1);
});
