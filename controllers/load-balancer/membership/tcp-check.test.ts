import { describe, expect, it } from '@jest/globals';
import { afterCheck, FIRST_VERDICT, healthOf, type Verdict } from './tcp-check.js';

const T = {
  source: 'tcp',
  intervalSeconds: 10,
  timeoutSeconds: 5,
  healthyThreshold: 3,
  unhealthyThreshold: 2,
} as const;

const run = (results: boolean[], from: Verdict = FIRST_VERDICT): Verdict['health'][] => {
  const seen: Verdict['health'][] = [];
  let v = from;
  for (const ok of results) seen.push((v = afterCheck(v, ok, T)).health);
  return seen;
};

describe('afterCheck: NLB-like thresholds', () => {
  it.each([
    ['three successes make a new target healthy', [true, true, true], ['unknown', 'unknown', 'healthy']],
    ['two failures make a new target unhealthy', [false, false], ['unknown', 'unhealthy']],
    [
      'a failure resets the successes',
      [true, true, false, true, true, true],
      ['unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'healthy'],
    ],
    [
      'a healthy target survives one failure, not two',
      [true, true, true, false, true, false, false],
      ['unknown', 'unknown', 'healthy', 'healthy', 'healthy', 'healthy', 'unhealthy'],
    ],
  ])('%s', (_, results, expected) => {
    expect(run(results)).toEqual(expected);
  });

  it('reads like ELBv2 in status', () => {
    expect(healthOf(FIRST_VERDICT)).toEqual({ health: 'unknown', reason: 'Elb.InitialHealthChecking' });
    expect(healthOf({ health: 'unhealthy', successes: 0, failures: 2 })).toEqual({
      health: 'unhealthy',
      reason: 'Target.FailedHealthChecks',
    });
    expect(healthOf({ health: 'healthy', successes: 3, failures: 0 })).toEqual({ health: 'healthy' });
  });
});
