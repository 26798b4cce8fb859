import { describe, expect, it } from '@jest/globals';
import { LeaseCore, type LeaseCommand, type LeaseCoreOptions } from '../core.js';
import type { FencingToken } from '../fencing.js';
import { Rng } from './prng.js';
import { formatFailure, type SimOptions, type SimResult } from './scenario.js';
import { runSimulation } from './simulation.js';
import { emptyStats, type SimCore, type SimStats } from './types.js';

/** SIM_SEEDS=n runs n seeds in each sweep instead of the default (read when a test runs, not at import). */
function seedCount(fallback: number): number {
  const n = Number(process.env.SIM_SEEDS);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

interface Sweep {
  results: SimResult[];
  totals: SimStats;
  ms: number;
}

function sweep(count: number, options: (seed: number) => SimOptions): Sweep {
  const started = performance.now();
  const totals = emptyStats();
  const results: SimResult[] = [];
  for (let seed = 1; seed <= count; seed += 1) {
    const result = runSimulation(options(seed));
    for (const key of Object.keys(totals) as (keyof SimStats)[]) totals[key] += result.stats[key];
    results.push(result);
  }
  return { results, totals, ms: performance.now() - started };
}

const unsafe = (r: SimResult): boolean => r.violations.length > 0;
const notLive = (r: SimResult): boolean => r.liveness?.ok !== true;

/** The first failure in full (seed, violations, last events), or '' when every seed passed. */
function firstFailure(s: Sweep, failed: (r: SimResult) => boolean): string {
  const bad = s.results.filter(failed);
  return bad.length === 0 ? '' : `${bad.length} of ${s.results.length} seeds failed; first:\n${formatFailure(bad[0]!)}`;
}

function summary(name: string, s: Sweep): string {
  const t = s.totals;
  return (
    `${name}: ${s.results.length} seeds in ${(s.ms / 1000).toFixed(1)} s; terms ${t.terms}, takeovers ${t.takeovers}, ` +
    `claims lost ${t.claimsLost} (stale when sent ${t.staleClaims}), late landings ${t.lateLandings}, ` +
    `superseded ${t.superseded}, deadline step-downs ${t.deadlineExceeded}, crashes ${t.crashes}, ` +
    `pauses ${t.pauses}, releases ${t.releases}, lost messages ${t.lostMessages}`
  );
}

/** Network and fault profiles drawn per seed, harsher than the defaults. */
function harsh(seed: number): SimOptions {
  const rng = new Rng(seed ^ 0x5eed);
  return {
    seed,
    network: {
      minDelayMs: 1,
      maxDelayMs: rng.between(5, 1500),
      fastRate: rng.between(0, 0.7),
      tailRate: rng.between(0, 0.2),
      maxTailMs: rng.between(3_000, 30_000),
      lossRate: rng.between(0, 0.2),
      errorRate: rng.between(0, 0.2),
    },
    faults: {
      meanGapMs: rng.between(500, 20_000),
      weights: { crash: rng.next(), pause: rng.next(), release: rng.next() },
      maxDownMs: rng.between(100, 10_000),
      maxPauseMs: rng.between(100, 10_000),
    },
    calmPhaseMs: 0,
  };
}

/**
 * A driver bug the ADR warns against: caching leadership from the elected/lost events instead of asking the core
 * at the moment of use. A leader frozen past its deadline never gets the timer that reports 'lost'.
 */
class CachedFlagCore implements SimCore {
  private readonly core: LeaseCore;
  private flag?: FencingToken;

  constructor(opts: LeaseCoreOptions) {
    this.core = new LeaseCore(opts);
  }

  handle(...args: Parameters<LeaseCore['handle']>): ReturnType<LeaseCore['handle']> {
    const out = this.core.handle(...args);
    for (const c of out) {
      if (c.type === 'elected') this.flag = c.token;
      if (c.type === 'lost' || c.type === 'stopped') this.flag = undefined;
    }
    return out;
  }

  isLeader(): boolean {
    return this.flag !== undefined;
  }

  token(): FencingToken | undefined {
    return this.flag;
  }
}

describe('lease simulation', () => {
  it('replays a seed exactly, and different seeds differ', () => {
    const a = runSimulation({ seed: 42 });
    expect(runSimulation({ seed: 42 })).toEqual(a);
    expect(runSimulation({ seed: 43 }).trace).not.toEqual(a.trace);
  });

  it('never has two leaders, and terms are fenced, under random faults', () => {
    const s = sweep(seedCount(1000), (seed) => ({ seed }));
    console.log(summary('safety', s));
    expect(firstFailure(s, unsafe)).toBe('');
    // The faults must really happen, or the sweep proves nothing.
    const t = s.totals;
    for (const key of ['takeovers', 'claimsLost', 'lateLandings', 'crashes', 'pauses'] as const)
      expect(t[key]).toBeGreaterThan(0);
    expect(t.terms).toBeGreaterThan(s.results.length);
    expect(t.releases).toBeGreaterThan(0);
    expect(t.deadlineExceeded).toBeGreaterThan(0);
  });

  it('never has two leaders under harsher, per-seed network and fault profiles', () => {
    const s = sweep(seedCount(1000), harsh);
    console.log(summary('harsh', s));
    expect(firstFailure(s, unsafe)).toBe('');
    expect(s.totals.lateLandings).toBeGreaterThan(0);
    // A holder unseated by another's counted write is rare; this sweep's longer delays make it happen.
    expect(s.totals.superseded).toBeGreaterThan(0);
  });

  it('elects a leader that then holds without change or lapse once faults stop', () => {
    const s = sweep(seedCount(200), (seed) => ({ seed, faultPhaseMs: 30_000, calmPhaseMs: 30_000 }));
    console.log(summary('liveness', s));
    expect(firstFailure(s, unsafe)).toBe('');
    expect(firstFailure(s, notLive)).toBe('');
  });

  // Found by this simulation: claims on stale observations kept resetting every candidate's wait, and the leader
  // came 256 ms after the deadline. Fixed in core.ts (a claim needs a read at or after expiry); kept as a regression.
  it('seed 1093 of the liveness sweep: a stable leader by the deadline', () => {
    const r = runSimulation({ seed: 1093, faultPhaseMs: 30_000, calmPhaseMs: 30_000 });
    expect(r.violations).toEqual([]);
    expect(r.liveness?.ok).toBe(true);
  });

  describe('catches planted bugs (the checkers can fail)', () => {
    it('a lease duration shorter than the renew deadline', () => {
      const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 2_600, retryPeriodMs: 1_000 };
      const s = sweep(50, (seed) => ({ seed, timing }));
      const report = firstFailure(s, unsafe);
      expect(report).toMatch(/seed \d+ \(\d nodes\) failed:\nt=[\d.]+: node-\d became leader while node-\d is leader/);
      expect(report).toMatch(/last events[^\n]*\n {2}t=[\d.]+ /);
    });

    it('a lease duration equal to the renew deadline: unsafe only through clock drift', () => {
      const timing = { leaseDurationMs: 2_600, renewDeadlineMs: 2_600, retryPeriodMs: 2_000 };
      const drifting = sweep(200, (seed) => ({ seed, timing, rho: 0.05 }));
      expect(firstFailure(drifting, unsafe)).toMatch(/became leader while/);
      const exact = sweep(200, (seed) => ({ seed, timing, rho: 0 }));
      expect(firstFailure(exact, unsafe)).toBe('');
    });

    it('a driver that caches leadership instead of asking the core', () => {
      const s = sweep(100, (seed) => ({ seed, coreFactory: (o) => new CachedFlagCore(o) }));
      expect(firstFailure(s, unsafe)).toMatch(/became leader while|intervals overlap/);
    });

    it('a driver that never sends renews fails the liveness checker', () => {
      const calm = { faultPhaseMs: 1, calmPhaseMs: 30_000 };
      expect(
        firstFailure(
          sweep(20, (seed) => ({ seed, ...calm })),
          notLive,
        ),
      ).toBe('');
      const noRenews: SimOptions['coreFactory'] = (o) => {
        const core = new LeaseCore(o);
        const isRenew = (c: LeaseCommand): boolean => c.type === 'write' && c.record.epoch <= c.record.basedOn;
        return {
          handle: (input, now) => core.handle(input, now).filter((c) => !isRenew(c)),
          isLeader: (now) => core.isLeader(now),
          token: (now) => core.token(now),
        };
      };
      const s = sweep(20, (seed) => ({ seed, ...calm, coreFactory: noRenews }));
      expect(firstFailure(s, unsafe)).toBe('');
      expect(firstFailure(s, notLive)).toMatch(/20 of 20 seeds failed;[^]*\nliveness: /);
    });
  });
});
