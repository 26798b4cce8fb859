import type { Summary } from './stats.js';

/**
 * Pure arithmetic of the AI gateway benchmark's load generator and report: the open-loop schedule, the latency a
 * proxy adds over the direct baseline, and which CPU each process is pinned to.
 */

/** When request `i` (0-based) is due, in ms after the run started, at a constant `rate` per second. */
export function scheduledOffsetMs(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/**
 * How many of the run's `total` requests are due `elapsedMs` after its start: request i is due at i/rate, so at
 * elapsed 0 one is due, and the count never exceeds the total.
 */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  // The epsilon absorbs float error: i * 1000 / rate * rate / 1000 may come back as i - 1e-15.
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1);
}

export interface Added {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * What going through a proxy adds at each percentile: the proxied percentile minus the direct one, both measured in
 * the same run. A difference of percentiles, not a percentile of differences (the requests are not paired).
 */
export function addedLatency(direct: Summary, proxied: Summary): Added {
  return {
    p50: proxied.p50 - direct.p50,
    p90: proxied.p90 - direct.p90,
    p99: proxied.p99 - direct.p99,
    max: proxied.max - direct.max,
  };
}

/** taskset CPU lists; undefined: not pinned. */
export interface CpuPlan {
  generator?: string;
  upstream?: string;
  gateway?: string;
}

/**
 * The gateway under test always gets a core of its own (only one gateway is under load at a time, so csgw and
 * Portkey share that core's plan but never its time). On two cores the load generator and the fake upstream share
 * the other one; with three or more each gets its own.
 */
export function cpuPlan(cpus: number, pin: boolean): CpuPlan {
  if (!pin || cpus < 2) return {};
  if (cpus === 2) return { generator: '0', upstream: '0', gateway: '1' };
  return { generator: '0', upstream: '1', gateway: '2' };
}
