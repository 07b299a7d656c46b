/**
 * Finds the records a database refuses. One bad record (a data or integrity error, SQLSTATE
 * classes 22 and 23) spoils a whole batch statement, so the batch is split in halves until each
 * refused record stands alone: those come back with the database's reason (for the dead-letter
 * topic), and everything else is stored. Any other error (the database is down, a table is
 * missing) is thrown unchanged for the caller's retry or crash policy: it is not the records'
 * fault, and dead-lettering them would lose them.
 */
import { errorMessage, SluiceError } from "../lib/errors.ts";

export interface Isolated<T, R> {
  /** The merged results of the inserts that succeeded (undefined when none did). */
  result: R | undefined;
  rejected: Array<{ item: T; reason: string }>;
}

/** Whether the database refused the statement because of the data it was given. */
export function isRecordError(err: unknown): boolean {
  return err instanceof SluiceError && /^DB_2[23]/.test(err.code);
}

export async function insertIsolating<T, R>(
  items: T[],
  insert: (items: T[]) => Promise<R>,
  merge: (a: R, b: R) => R,
): Promise<Isolated<T, R>> {
  try {
    return { result: await insert(items), rejected: [] };
  } catch (err) {
    if (!isRecordError(err)) throw err;
    if (items.length === 1) {
      return { result: undefined, rejected: [{ item: items[0], reason: errorMessage(err) }] };
    }
    const mid = Math.ceil(items.length / 2);
    const a = await insertIsolating(items.slice(0, mid), insert, merge);
    const b = await insertIsolating(items.slice(mid), insert, merge);
    const result = a.result === undefined
      ? b.result
      : b.result === undefined
      ? a.result
      : merge(a.result, b.result);
    return { result, rejected: [...a.rejected, ...b.rejected] };
  }
}
