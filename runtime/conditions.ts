import type { Condition, ConditionStatus } from './status-types.js';

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

/**
 * Sets a condition the Kubernetes way: lastTransitionTime moves only when the status flips, so watchers can tell
 * "Ready since" from "reason reworded". Returns a new list; the input is not mutated.
 */
export function setCondition(conditions: readonly Condition[], update: ConditionUpdate, now: string): Condition[] {
  const existing = conditions.find((c) => c.type === update.type);
  const lastTransitionTime = existing && existing.status === update.status ? existing.lastTransitionTime : now;
  const next: Condition = { ...update, lastTransitionTime };
  if (update.observedGeneration === undefined) delete next.observedGeneration;
  return existing ? conditions.map((c) => (c.type === update.type ? next : c)) : [...conditions, next];
}

export function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}
