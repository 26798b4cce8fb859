import { describe, expect, it } from '@jest/globals';
import { addedLatency, cpuPlan, dueBy, scheduledOffsetMs } from './load-schedule.js';
import { percentile, summarize } from './stats.js';

describe('the open-loop schedule', () => {
  it('spaces requests evenly at the rate, whatever happened to the earlier ones', () => {
    expect(scheduledOffsetMs(0, 1000)).toBe(0);
    expect(scheduledOffsetMs(1, 1000)).toBe(1);
    expect(scheduledOffsetMs(250, 1000)).toBe(250);
    expect(scheduledOffsetMs(3, 200)).toBe(15);
  });

  it('counts the requests due so far: one at the start, every one whose time has come, never more than the total', () => {
    expect(dueBy(-1, 1000, 100)).toBe(0);
    expect(dueBy(0, 1000, 100)).toBe(1);
    expect(dueBy(0.99, 1000, 100)).toBe(1);
    expect(dueBy(1, 1000, 100)).toBe(2);
    // A generator that stalled for 30 ms owes all 30 at once (no coordinated omission): they keep their due times.
    expect(dueBy(30.5, 1000, 100)).toBe(31);
    expect(dueBy(10_000, 1000, 100)).toBe(100);
  });

  it('agrees with itself: request i is due exactly at its scheduled offset', () => {
    for (const rate of [1000, 333, 5000])
      for (const i of [0, 1, 7, 999]) expect(dueBy(scheduledOffsetMs(i, rate), rate, 10_000)).toBe(i + 1);
  });
});

describe('percentiles', () => {
  it('are nearest-rank: always a latency that was observed', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('addedLatency', () => {
  it('subtracts the direct percentile from the proxied one at each level', () => {
    const direct = summarize([1, 1, 1, 1, 2, 2, 2, 2, 3, 10]);
    const proxied = summarize([1.5, 1.5, 1.5, 1.5, 2.5, 2.5, 2.5, 3, 4, 20]);
    expect(addedLatency(direct, proxied)).toEqual({ p50: 0.5, p90: 1, p99: 10, max: 10 });
  });
});

describe('cpuPlan', () => {
  it('gives the gateway a core of its own and shares the other between generator and upstream on two cores', () => {
    expect(cpuPlan(2, true)).toEqual({ generator: '0', upstream: '0', gateway: '1' });
    expect(cpuPlan(4, true)).toEqual({ generator: '0', upstream: '1', gateway: '2' });
  });

  it('pins nothing on one core or when pinning is off', () => {
    expect(cpuPlan(1, true)).toEqual({});
    expect(cpuPlan(8, false)).toEqual({});
  });
});
