/**
 * Conditions a worker raises while it cannot make progress (for example "orders: database
 * unavailable, retrying"), shown by `/ready` and `/health` until the worker clears them.
 */
export interface Condition {
  name: string;
  reason: string;
  since: string;
}

const conditions = new Map<string, Condition>();

export function raiseCondition(name: string, reason: string): void {
  const since = conditions.get(name)?.since ?? new Date().toISOString();
  conditions.set(name, { name, reason, since });
}

export function clearCondition(name: string): void {
  conditions.delete(name);
}

export function activeConditions(): Condition[] {
  return [...conditions.values()];
}
