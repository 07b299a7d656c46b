/**
 * A deadline for a promise, after Deno std's `async/deadline.ts`: the promise's own outcome when
 * it settles in time, else a rejection with {@linkcode DeadlineError}. The promise itself is not
 * cancelled (callers that can cancel do so on the error); the timer is always cleared.
 */

/** The rejection of a promise that did not settle before its deadline. */
export class DeadlineError extends Error {
  readonly ms: number;

  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "DeadlineError";
    this.ms = ms;
  }
}

/** `promise`, or a {@linkcode DeadlineError} once `ms` milliseconds have passed. */
export function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Waits for `promise` at most `ms` milliseconds: true when it fulfilled in time. */
export function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return deadline(promise, ms).then(() => true, (err) => {
    if (err instanceof DeadlineError) return false;
    throw err;
  });
}
