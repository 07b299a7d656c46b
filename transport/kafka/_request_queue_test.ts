import assert from "node:assert/strict";
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";
import { originalSchedule, quietRequestQueues } from "./_request_queue.ts";
import type { QueueState } from "./_request_queue.ts";
import { dropNegativeTimeoutWarnings } from "./_timer_warning.ts";

const quiet = () => {};
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

interface Queue extends QueueState {
  destroy(): void;
}

function queue(): Queue {
  return new (RequestQueue as unknown as new (o: unknown) => Queue)({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: "test",
    broker: "127.0.0.1:9092",
    logger,
  });
}

/** Polls `done` every millisecond until it holds, failing after `ms`. */
async function until(what: string, done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A pending request as the queue sees one: `send` is all it calls for a request with an answer. */
function pendingRequest() {
  const r = { sent: false, expectResponse: true, correlationId: 1, send: () => r.sent = true };
  return r;
}

Deno.test("kafkajs's own queue re-arms a timer with nothing pending (the loop this removes)", () => {
  dropNegativeTimeoutWarnings(); // the warning kafkajs's negative delay prints
  const q = queue();
  try {
    originalSchedule.call(q);
    assert.notEqual(q.throttleCheckTimeoutId, null);
  } finally {
    q.destroy();
  }
});

Deno.test("a quiet queue arms no timer with nothing pending and no throttle", () => {
  quietRequestQueues();
  const q = queue();
  try {
    q.checkPendingRequests();
    assert.equal(q.throttleCheckTimeoutId, null);
  } finally {
    q.destroy();
  }
});

Deno.test("a pending request is still sent by the timer, throttled or not", async () => {
  quietRequestQueues();
  for (const throttleMs of [0, 30]) {
    const q = queue();
    try {
      q.throttledUntil = throttleMs ? Date.now() + throttleMs : -1;
      const r = pendingRequest();
      q.pending.push(r);
      const at = Date.now();
      q.scheduleCheckPendingRequests();
      assert.notEqual(q.throttleCheckTimeoutId, null);
      await until("the pending request to be sent", () => r.sent, 5_000);
      assert.ok(Date.now() - at >= throttleMs, "not before the throttle ends");
      assert.equal(q.pending.length, 0);
    } finally {
      q.destroy();
    }
  }
});

Deno.test("a throttled queue with nothing pending checks again when the throttle ends", () => {
  quietRequestQueues();
  const q = queue();
  try {
    q.throttledUntil = Date.now() + 50;
    q.scheduleCheckPendingRequests();
    assert.notEqual(q.throttleCheckTimeoutId, null);
  } finally {
    q.destroy();
  }
});
