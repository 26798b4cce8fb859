import { describe, expect, it } from '@jest/globals';
import { checkLeaseTiming, DEFAULT_LEASE_TIMING } from './timing.js';

describe('checkLeaseTiming', () => {
  it('accepts the defaults', () => {
    expect(checkLeaseTiming(DEFAULT_LEASE_TIMING)).toEqual([]);
  });

  it.each([
    [{ leaseDurationMs: 2_601, renewDeadlineMs: 2_600, retryPeriodMs: 2_000 }, /clock drift/],
    [{ leaseDurationMs: 2_800, renewDeadlineMs: 2_600, retryPeriodMs: 2_000 }, /at least 2874 ms/],
    [{ leaseDurationMs: 3_000, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, /1.2 × the retry period/],
    [{ leaseDurationMs: 0, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, /leaseDurationMs must be a positive/],
    [{ leaseDurationMs: 3_000, renewDeadlineMs: 2_600, retryPeriodMs: Number.NaN }, /retryPeriodMs must be a positive/],
  ])('rejects %j', (timing, message) => {
    expect(checkLeaseTiming(timing).join('; ')).toMatch(message);
  });
});
