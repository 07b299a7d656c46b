import assert from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { createLogger, setLogLevel } from "../../lib/log.ts";
import { StaleMembers } from "./_stale_members.ts";

setLogLevel("silent");

/** A client shaped like kafkajs 2.2.4's: its cluster factory under the private symbol. */
function fakeKafka(o: { connectFailures: number; unknown?: Set<string> }) {
  const left: Array<[string, string]> = [];
  let failures = o.connectFailures;
  const kafka = {
    [Symbol("private:Kafka:createCluster")]: () => ({
      connect: () => failures-- > 0 ? Promise.reject(new Error("broker away")) : Promise.resolve(),
      disconnect: () => Promise.resolve(),
      findGroupCoordinator: () =>
        Promise.resolve({
          leaveGroup: ({ groupId, memberId }: { groupId: string; memberId: string }) => {
            if (o.unknown?.has(memberId)) {
              return Promise.reject(
                Object.assign(new Error("unknown"), { type: "UNKNOWN_MEMBER_ID" }),
              );
            }
            left.push([groupId, memberId]);
            return Promise.resolve();
          },
        }),
    }),
  };
  return { kafka: kafka as unknown as Kafka, left };
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("a member lost in an outage is made to leave once the broker answers", async () => {
  const { kafka, left } = fakeKafka({ connectFailures: 2, unknown: new Set(["gone"]) });
  const stale = new StaleMembers(kafka, createLogger("test"));
  stale.add("g", "m1");
  stale.add("g", "gone");
  await until(() => left.length === 1);
  assert.deepEqual(left, [["g", "m1"]]);
  stale.close();
});

Deno.test("without kafkajs's private cluster factory nothing is tried", () => {
  const stale = new StaleMembers({} as Kafka, createLogger("test"));
  stale.add("g", "m1"); // no throw, no timer left behind (the test sanitizers check)
  stale.close();
});

Deno.test("the kafkajs in use has the private cluster factory this relies on", () => {
  const kafka = new Kafka({ brokers: ["127.0.0.1:1"], logLevel: logLevel.NOTHING });
  const key = Object.getOwnPropertySymbols(kafka).find((s) =>
    s.description === "private:Kafka:createCluster"
  );
  assert.ok(key, "kafkajs changed: members lost in an outage now wait for their session to end");
});
