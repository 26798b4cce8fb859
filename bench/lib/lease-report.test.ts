import { describe, expect, it } from '@jest/globals';
import { boundMs, failoverStats, summarizeFailovers } from './lease-report.js';
import { callKey } from './lease-steady.js';
import { stratifiedPhases, type FailoverSample } from './lease-watch.js';

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2600, retryPeriodMs: 2000 };

describe('failoverStats', () => {
  it('counts a timed-out trial at the timeout, so a miss can only make the figures worse', () => {
    const s = failoverStats([1000, undefined, 3000], 30_000, 5000);
    expect(s).toMatchObject({ n: 3, timeouts: 1, p50: 3000, max: 30_000, maxOverBound: 6 });
  });

  it('uses nearest-rank percentiles and divides by the bound', () => {
    const s = failoverStats([4000, 1000, 2000, 3000], 30_000, 5000);
    expect(s).toMatchObject({ p50: 2000, p95: 4000, mean: 2500, p50OverBound: 0.4, maxOverBound: 0.8 });
  });
});

describe('boundMs', () => {
  it('is leaseDuration + retryPeriod after kill -9 and retryPeriod after SIGTERM', () => {
    expect(boundMs('SIGKILL', timing)).toBe(5000);
    expect(boundMs('SIGTERM', timing)).toBe(2000);
  });
});

describe('summarizeFailovers', () => {
  const sample = (signal: FailoverSample['signal'], eipMs?: number): FailoverSample => ({
    signal,
    victim: 'i-1',
    killAfterRenewMs: 10,
    leaseMs: eipMs === undefined ? undefined : eipMs - 20,
    claimLandedMs: eipMs === undefined ? undefined : eipMs - 35,
    associateMs: eipMs === undefined ? undefined : eipMs - 5,
    eipMs,
    exitMs: 1,
    eipOnNewHolder: eipMs !== undefined,
  });
  const opts = { timing, timeoutMs: 25_000 };

  it('meets the kill -9 goal only when every address move took at most 5 s', () => {
    expect(summarizeFailovers([sample('SIGKILL', 4900), sample('SIGTERM', 9000)], 'SIGKILL', opts).goalMet).toBe(true);
    expect(summarizeFailovers([sample('SIGKILL', 4900), sample('SIGKILL', 5001)], 'SIGKILL', opts).goalMet).toBe(false);
    expect(summarizeFailovers([sample('SIGKILL', 1000), sample('SIGKILL')], 'SIGKILL', opts).goalMet).toBe(false);
  });

  it('keeps the signals apart and reports the claim -> AssociateAddress step', () => {
    const s = summarizeFailovers([sample('SIGKILL', 3000), sample('SIGTERM', 900)], 'SIGTERM', opts);
    expect(s).toMatchObject({ trials: 1, eipOnNewHolder: 1 });
    expect(s).not.toHaveProperty('goalMet'); // the 5 s goal is about kill -9 only
    expect(s.eip.max).toBe(900);
    expect(s.claimToAssociate).toMatchObject({ p50: 30, boundMs: Number.NaN });
  });
});

describe('callKey', () => {
  it('names a call by operation and parameter relative to the gateway root', () => {
    expect(callKey('PutParameter', '/cloudspectra/bench/leases/az/use1-az1', '/cloudspectra/bench')).toBe(
      'PutParameter leases/az/use1-az1',
    );
    expect(callKey('GetParametersByPath', '/cloudspectra/bench/spec', '/cloudspectra/bench')).toBe(
      'GetParametersByPath spec',
    );
    expect(callKey('DescribeParameters', '', '/cloudspectra/bench')).toBe('DescribeParameters -');
  });
});

describe('stratifiedPhases', () => {
  it('puts exactly one phase in each tenth of the cycle', () => {
    const phases = stratifiedPhases(10);
    expect(phases).toHaveLength(10);
    expect(phases.map((p) => Math.floor(p * 10)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('shuffles the strata, so the trial order does not follow the phase', () => {
    let seed = 1;
    const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) % 1;
    const phases = stratifiedPhases(10, random);
    expect(phases).not.toEqual([...phases].sort((a, b) => a - b));
  });
});
