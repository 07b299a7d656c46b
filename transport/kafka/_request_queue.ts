/**
 * kafkajs 2.2.4's request queue (one per broker connection) re-arms a timer after every check of
 * its pending requests, even when nothing is pending and nothing is throttled: `throttledUntil`
 * starts at -1, so the delay is negative, clamped to 1 ms, and the check runs again, about a
 * thousand times a second per connection for the life of the process (kafkajs issues 1556 and
 * 1704, never fixed upstream). Each round is a timer object and a callback: CPU in an idle role,
 * and garbage that lives a millisecond past a young collection's reach often enough to be
 * promoted. `quietRequestQueues()` replaces `scheduleCheckPendingRequests` with the version
 * proposed there: a check is scheduled only when a request is pending (after the throttle, or in
 * 10 ms as before) or the queue is throttled. Nothing is lost: a request that cannot go out at
 * once is pending, so a timer is armed for it, and an answer checks the queue as before.
 *
 * kafkajs is pinned in the lock file: a new version gets this file re-read, not assumed.
 */
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

/** kafkajs's delay for a pending request when not throttled (CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_MS = 10;

/** What `scheduleCheckPendingRequests` uses of kafkajs's `RequestQueue`. */
export interface QueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const proto = (RequestQueue as unknown as { prototype: QueueState }).prototype;

/** kafkajs's own `scheduleCheckPendingRequests`, for the tests. */
export const originalSchedule = proto.scheduleCheckPendingRequests;

function scheduleCheckPendingRequests(this: QueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledFor = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && throttledFor <= 0) return;
  const delay = throttledFor > 0 ? throttledFor : CHECK_PENDING_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** Installs the quiet scheduling (idempotent). */
export function quietRequestQueues(): void {
  proto.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
