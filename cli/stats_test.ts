import assert from "node:assert/strict";
import { statsText } from "./stats.ts";

const group = (groupId: string, topic: string) => ({
  groupId,
  state: "Stable",
  members: 1,
  topic,
  partitions: [{ partition: 0, committed: "5", high: "7", lag: 2 }],
  totalLag: 2,
});

Deno.test("statsText shows every section of /stats, including ones it does not know", () => {
  const out = statsText({
    messages: { total: 5, lastHour: 1, oldest: null, newest: null },
    consumerGroup: group("text-writers", "text-messages"),
    counters: { written: 5, duplicates: 0 },
    deadLetterTopic: { topic: "text-messages.dlq", messages: 0 },
    orders: {
      rows: 3,
      consumerGroup: group("order-processors", "food-orders"),
      latencyMs: { "member-1": { p50: 1.5, p99: 9, count: 3 } },
    },
    social: {
      firehose: { state: "connected", counts: { post: 4 }, lastError: null },
      postsWritten: {},
    },
    trends: { windows: [{ keyword: "#eclipse", count: 12 }], alerts: 1 },
    restarts: 2,
    children: [{ id: "api", status: "running" }],
  });
  const sections = out.split("\n").filter((l) => l.startsWith("== "));
  assert.deepEqual(sections, [
    "== text messages",
    "== orders",
    "== social",
    "== trends",
    "== process",
  ]);
  for (
    const line of [
      /^messages\.total: 5$/m,
      /^messages\.oldest: -$/m,
      /^counters\.written: 5$/m,
      /^deadLetterTopic\.topic: text-messages\.dlq$/m,
      /^consumer group text-writers \(Stable, 1 members, lag 2\) on text-messages$/m,
      /^PARTITION\s+COMMITTED\s+HIGH\s+LAG$/m,
      /^0\s+5\s+7\s+2$/m,
      /^rows: 3$/m,
      /^consumer group order-processors \(Stable, 1 members, lag 2\) on food-orders$/m,
      /^MEMBER\s+P50\s+P99\s+COUNT$/m,
      /^member-1\s+1\.5\s+9\s+3$/m,
      /^firehose\.state: connected$/m,
      /^firehose\.counts\.post: 4$/m,
      /^postsWritten: \(none\)$/m,
      /^alerts: 1$/m,
      /^KEYWORD\s+COUNT$/m,
      /^#eclipse\s+12$/m,
      /^restarts: 2$/m,
      /^ID\s+STATUS$/m,
      /^api\s+running$/m,
    ]
  ) assert.match(out, line);
});

Deno.test("statsText says (none) for empty lists, maps and partitions", () => {
  const out = statsText({
    consumerGroup: { ...group("g", "t"), partitions: [] },
    social: { firehose: null, aggregatorEvents: {} },
    children: [],
  });
  assert.match(out, /^consumer group g \(Stable, 1 members, lag 2\) on t\npartitions: \(none\)$/m);
  assert.match(out, /^firehose: -$/m);
  assert.match(out, /^aggregatorEvents: \(none\)$/m);
  assert.match(out, /^children\n\(none\)$/m);
});
