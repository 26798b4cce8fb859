import type { LeaseTiming } from '../timing.js';
import type { Interval } from './checker.js';

export interface LivenessReport {
  ok: boolean;
  /** When faults stopped and every message sent under faults had arrived, with every node up. */
  settledAt: number;
  /** A stable leader must exist by then. */
  deadline: number;
  /** When the leader that held until the end of the run was elected. */
  stableFrom?: number;
  reason: string;
}

/**
 * The bound after faults stop: one retry period for a reader to see the last change, the lease duration it then waits,
 * one more retry period for a read that just missed it; stretched by the drift of both clocks, plus four calm
 * one-way delays (read and claim, each there and back).
 */
export function livenessDeadline(settledAt: number, timing: LeaseTiming, rho: number, calmDelayMs: number): number {
  const local = timing.leaseDurationMs + 2 * timing.retryPeriodMs;
  return settledAt + (local * (1 + rho)) / (1 - rho) + 4 * calmDelayMs;
}

/** Liveness holds when one interval, open at the end of the run, began by the deadline: no change, no lapse since. */
export function checkLiveness(intervals: readonly Interval[], settledAt: number, deadline: number): LivenessReport {
  const last = intervals.filter((i) => i.end === Infinity);
  const base = { settledAt, deadline };
  const holder = last[0];
  if (!holder) return { ...base, ok: false, reason: 'no leader at the end of the run' };
  const after = intervals
    .filter((i) => i.end > settledAt)
    .map((i) => `node-${i.node} e${i.epoch} [${i.start}, ${i.end})`);
  if (holder.start > deadline)
    return {
      ...base,
      ok: false,
      stableFrom: holder.start,
      reason: `the final leader took over at ${holder.start}, after the deadline; terms since settling: ${after.join(' ')}`,
    };
  return { ...base, ok: true, stableFrom: holder.start, reason: `node-${holder.node} leads from ${holder.start}` };
}
