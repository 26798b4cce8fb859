import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { LeaseRecord } from '../record.js';
import { LocalClock } from './clock.js';
import { EventQueue } from './event-queue.js';
import { CALM_NETWORK, FAST_DELAY_MS, messageDelay } from './network.js';
import { Rng } from './prng.js';
import { SimParameterStore } from './store.js';

const seedArb = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('Rng', () => {
  it('replays the same sequence for the same seed, and another for another seed', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(new Rng(8).next()).not.toBe(xs[0]);
  });

  it('stays within its ranges', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 50 }), (seed, lo, span) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 50; i += 1) {
          const x = rng.next();
          const n = rng.int(lo, lo + span);
          if (x < 0 || x >= 1 || n < lo || n > lo + span || !Number.isInteger(n)) return false;
        }
        return true;
      }),
    );
  });

  it('covers every integer of a small range, shuffles into a permutation, and never picks a zero weight', () => {
    const rng = new Rng(1);
    expect(new Set(Array.from({ length: 200 }, () => rng.int(1, 4)))).toEqual(new Set([1, 2, 3, 4]));
    expect([...rng.shuffle([1, 2, 3, 4, 5])].sort()).toEqual([1, 2, 3, 4, 5]);
    const picks = new Set(Array.from({ length: 200 }, () => rng.weighted({ a: 1, b: 0, c: 3 })));
    expect(picks).toEqual(new Set(['a', 'c']));
    const mean = Array.from({ length: 5000 }, () => rng.exponential(100)).reduce((s, x) => s + x, 0) / 5000;
    expect(mean).toBeGreaterThan(90);
    expect(mean).toBeLessThan(110);
  });
});

describe('EventQueue', () => {
  it('pops by time, and events at the same time in the order they were pushed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 }), (times) => {
        const q = new EventQueue<number>();
        times.forEach((t, i) => q.push(t, i));
        const popped: { at: number; item: number }[] = [];
        for (let e = q.pop(); e; e = q.pop()) popped.push(e);
        const expected = times.map((at, item) => ({ at, item })).sort((x, y) => x.at - y.at || x.item - y.item);
        expect(popped).toEqual(expected);
        expect(q.size).toBe(0);
      }),
    );
  });
});

describe('LocalClock', () => {
  it('never fires a timer early: at realAt(x) the clock reads x or later', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 4 * 3_600_000, noNaN: true }),
        fc.double({ min: 0.99, max: 1.01, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (origin, rate, ahead) => {
          const clock = new LocalClock(origin, rate);
          const at = origin + ahead;
          const real = clock.realAt(at);
          expect(clock.local(real)).toBeGreaterThanOrEqual(at);
          expect(real - (at - origin) / rate).toBeLessThan(1e-6);
        },
      ),
    );
  });

  it('starts a restarted process at the local time it is given, running at its rate', () => {
    const clock = LocalClock.startingAt(5000, 120, 1.01);
    expect(clock.local(5000)).toBeCloseTo(120, 9);
    expect(clock.local(6000)).toBeCloseTo(1130, 9);
  });
});

describe('SimParameterStore', () => {
  const record = (basedOn: number): LeaseRecord => ({
    holder: 'a',
    epoch: basedOn + 1,
    basedOn,
    writeId: `a/1/${basedOn}`,
    leaseDurationMs: 3000,
    released: false,
    acquireTime: '',
    renewTime: '',
  });

  it('reads version 0 while absent, gives each put the next version, and reads the latest', () => {
    const store = new SimParameterStore();
    expect(store.get()).toEqual({ version: 0 });
    expect(store.put(record(0), { node: 0, incarnation: 1 }, 5)).toBe(1);
    expect(store.put(record(0), { node: 1, incarnation: 1 }, 6)).toBe(2);
    expect(store.get()).toEqual({ version: 2, record: record(0) });
    expect(store.at(1)).toMatchObject({ version: 1, writer: { node: 0, incarnation: 1 }, landedAt: 5 });
    expect(store.recordAt(3)).toBeUndefined();
  });
});

describe('messageDelay', () => {
  it('follows the profile: loss, tails, fast messages, and the normal range', () => {
    const rng = new Rng(3);
    expect(messageDelay(rng, { ...CALM_NETWORK, lossRate: 1 })).toBeUndefined();
    const tails = Array.from({ length: 50 }, () =>
      messageDelay(rng, { ...CALM_NETWORK, tailRate: 1, maxTailMs: 9000 })!,
    );
    expect(Math.min(...tails)).toBeGreaterThanOrEqual(CALM_NETWORK.maxDelayMs);
    expect(Math.max(...tails)).toBeGreaterThan(1000);
    const fast = Array.from({ length: 50 }, () => messageDelay(rng, { ...CALM_NETWORK, fastRate: 1 })!);
    expect(Math.min(...fast)).toBeGreaterThanOrEqual(FAST_DELAY_MS[0]);
    expect(Math.max(...fast)).toBeLessThanOrEqual(FAST_DELAY_MS[1]);
    const calm = Array.from({ length: 200 }, () => messageDelay(rng, CALM_NETWORK)!);
    expect(Math.min(...calm)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...calm)).toBeLessThanOrEqual(50);
  });
});
