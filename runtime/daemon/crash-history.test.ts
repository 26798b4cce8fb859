import { describe, expect, it } from '@jest/globals';
import { CrashHistory } from './crash-history.js';

const policy = { windowMs: 60_000, loopThreshold: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 };

describe('CrashHistory', () => {
  it('restarts the first crash at once, then doubles the delay up to the cap', () => {
    const h = new CrashHistory(policy);
    expect([0, 1, 2, 3, 4, 5].map((i) => h.record(i * 100))).toEqual([0, 1_000, 2_000, 4_000, 8_000, 8_000]);
  });

  it('calls it a loop from the threshold on, and forgets crashes older than the window', () => {
    const h = new CrashHistory(policy);
    h.record(0);
    h.record(10_000);
    expect(h.inLoop(10_000)).toBe(false);
    h.record(20_000);
    expect(h.inLoop(20_000)).toBe(true);
    expect(h.count(65_000)).toBe(2);
    expect(h.inLoop(65_000)).toBe(false);
    // After a quiet window the next crash is a first crash again.
    expect(h.record(200_000)).toBe(0);
  });
});
