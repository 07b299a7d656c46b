import assert from "node:assert/strict";
import { deliverBatch } from "./_batch.ts";
import type { Envelope, EnvelopeTarget, InMessage } from "./types.ts";

const msgs = (n: number): InMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    topic: "t",
    partition: 0,
    offset: String(i),
    key: null,
    value: null,
    headers: {},
    timestamp: "0",
  }));

/** A target with room for `room` envelopes; the test settles them by hand. */
function target(room: number) {
  const got: Envelope[] = [];
  const waiting: Array<() => void> = [];
  const t: EnvelopeTarget = {
    offer: (e) => got.length < room && got.push(e) > 0,
    tell: (e) =>
      new Promise<void>((resolve) =>
        waiting.push(() => {
          got.push(e);
          resolve();
        })
      ),
  };
  return { t, got, waiting };
}

class RebalanceError extends Error {
  type = "REBALANCE_IN_PROGRESS";
}
const isRebalance = (e: unknown) => e instanceof RebalanceError;

Deno.test("every envelope acked: the whole batch is the acked prefix", async () => {
  const { t, got } = target(10);
  const out = deliverBatch(msgs(5), t, { heartbeatMs: 5 });
  for (const e of got) e.ack();
  assert.deepEqual(await out, { acked: 5, error: null, rebalance: null });
});

Deno.test(
  "a rebalance mid-batch: nothing more is handed over and the acked prefix is reported",
  async () => {
    const { t, got, waiting } = target(3);
    let beats = 0;
    const out = deliverBatch(msgs(10), t, {
      heartbeatMs: 5,
      rebalanceGraceMs: 50,
      isRebalance,
      heartbeat: () => {
        beats++;
        return beats >= 2 ? Promise.reject(new RebalanceError("rebalancing")) : Promise.resolve();
      },
    });
    got[0].ack();
    got[1].ack();
    // got[2] never settles (its handler is slow): the grace period bounds the wait.
    const o = await out;
    assert.equal(o.acked, 2);
    assert.equal(o.error, null);
    assert.match(String(o.rebalance), /rebalancing/);
    assert.equal(got.length, 3, "the messages beyond the full mailbox were never handed over");
    assert.ok(waiting.length <= 1);
  },
);

Deno.test("a heartbeat error that is not a rebalance still fails the batch", async () => {
  const { t } = target(1);
  await assert.rejects(
    deliverBatch(msgs(2), t, {
      heartbeatMs: 5,
      isRebalance,
      heartbeat: () => Promise.reject(new Error("broker gone")),
    }),
    /broker gone/,
  );
});
