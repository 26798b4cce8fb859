import { describe, expect, it } from '@jest/globals';
import { cpuPerRequestUs, goalChecks, type Measured } from './ai-gateway-report.js';
import type { LoadRun } from './llm-load.js';
import { summarize } from './stats.js';

function measured(target: string, latencies: number[], ok = latencies.length, cache = 'miss'): Measured {
  const run: LoadRun = {
    target,
    mode: 'open',
    sent: latencies.length,
    ok,
    statuses: { '200': ok },
    errors: {},
    cache: target.startsWith('csgw') ? { [cache]: ok } : {},
    elapsedMs: 1000,
    latency: summarize(latencies),
    service: summarize(latencies),
  };
  return { run, cpuMs: { gateway: 500, upstream: 100, generator: 100 } };
}

const ms = (base: number, n = 100): number[] => Array.from({ length: n }, (_, i) => base + i / 100);

describe('goalChecks', () => {
  it('checks csgw against the goals with the direct baseline of the same run, beside Portkey', () => {
    const checks = goalChecks({
      direct: measured('direct', ms(1)),
      csgw: measured('csgw', ms(1.5)),
      portkey: measured('portkey', ms(3)),
      'csgw-hit': measured('csgw-hit', ms(0.3), 100, 'hit'),
    });
    expect(checks.map((c) => [c.goal, c.met])).toEqual([
      ['added p50 (cache miss)', true],
      ['added p99 (cache miss)', true],
      ['cache hit p50 (from the send)', true],
    ]);
    expect(checks[0]).toMatchObject({ limitMs: 1, csgwMs: expect.closeTo(0.5, 6), portkeyMs: expect.closeTo(2, 6) });
  });

  it('fails a goal that is over its limit, and every goal when a csgw request went unanswered', () => {
    const slow = goalChecks({ direct: measured('direct', ms(1)), csgw: measured('csgw', ms(2.5)) });
    expect(slow.map((c) => c.met)).toEqual([false, true]);
    const failed = goalChecks({ direct: measured('direct', ms(1)), csgw: measured('csgw', ms(1), 99) });
    expect(failed.map((c) => c.met)).toEqual([false, false]);
  });

  it('fails a goal whose answers did not all carry the expected cache result', () => {
    const checks = goalChecks({
      direct: measured('direct', ms(1)),
      csgw: measured('csgw', ms(1), 100, 'bypass'),
      'csgw-hit': measured('csgw-hit', ms(0.3), 100, 'miss'),
    });
    expect(checks.map((c) => c.met)).toEqual([false, false, false]);
  });

  it('has nothing to check without the direct baseline or csgw', () => {
    expect(goalChecks({ csgw: measured('csgw', ms(1)) })).toEqual([]);
    expect(goalChecks({ direct: measured('direct', ms(1)) })).toEqual([]);
  });
});

describe('cpuPerRequestUs', () => {
  it('divides the CPU by the answered requests', () => {
    expect(cpuPerRequestUs(500, measured('csgw', ms(1)))).toBe(5000);
    expect(cpuPerRequestUs(undefined, measured('direct', ms(1)))).toBeUndefined();
  });
});
