import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { backoffDelay, retryDelay } from './backoff.js';

const timing = { backoffBaseMs: 500, backoffMaxMs: 30_000 };

describe('backoffDelay', () => {
  it.each([
    [1, 0, 250],
    [1, 0.999999, 500],
    [2, 0, 500],
    [3, 0.5, 1500],
    [7, 0, 15_000],
    [7, 0.999999, 30_000],
    [50, 0.5, 22_500],
  ])('attempt %i with random %f -> %i ms', (attempt, random, delay) => {
    expect(backoffDelay(attempt, timing, () => random)).toBe(delay);
  });

  it('treats attempt 0 (and below) like attempt 1', () => {
    expect(backoffDelay(0, timing, () => 0)).toBe(250);
    expect(backoffDelay(-3, timing, () => 0)).toBe(250);
  });

  it('stays within [0.5, 1] x the capped exponential for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (attempt, random, base, max) => {
          const capped = Math.min(max, base * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, { backoffBaseMs: base, backoffMaxMs: max }, () => random);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(capped * 0.5));
          expect(delay).toBeLessThanOrEqual(Math.ceil(capped));
          expect(delay).toBeLessThanOrEqual(Math.max(max, 1));
        },
      ),
    );
  });

  it('never shrinks as attempts grow (same random draw)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          expect(backoffDelay(attempt + 1, timing, () => r)).toBeGreaterThanOrEqual(
            backoffDelay(attempt, timing, () => r),
          );
        },
      ),
    );
  });
});

describe('retryDelay', () => {
  it('waits inertRetryMs for an inert failure whatever the attempt, and backs off otherwise', () => {
    const retry = { ...timing, inertRetryMs: 60_000 };
    expect(retryDelay({ inert: true, attempt: 9 }, retry, () => 0)).toBe(60_000);
    expect(retryDelay({ inert: false, attempt: 3 }, retry, () => 0.5)).toBe(backoffDelay(3, timing, () => 0.5));
  });
});
