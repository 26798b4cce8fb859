import { describe, expect, it } from '@jest/globals';
import { daemonConditions } from './conditions.js';
import { describeDaemonAction, planDaemon, rollbackTarget } from './plan.js';
import type { DaemonObservation, DaemonRevision } from './types.js';

const rev = (hash: string, restartKey = 'k', generation = 1): DaemonRevision => ({
  hash,
  generation,
  restartKey,
  files: [{ name: 'd.conf', content: `secret-${hash}`, mode: 0o600 }],
  ready: { tcp: { host: '127.0.0.1', port: 8080 } },
});

const obs = (o: Partial<DaemonObservation> = {}): DaemonObservation => ({
  phase: 'stopped',
  crashes: { recent: 0, windowSeconds: 60, loop: false },
  ...o,
});

const run = (hash: string, restartKey = 'k') => ({ hash, restartKey });
const failedB = { hash: 'b', generation: 2, error: 'not ready within 15 s: nothing listens' };

describe('planDaemon', () => {
  const cases: [string, DaemonRevision | undefined, Partial<DaemonObservation>, string[]][] = [
    ['nothing wanted, nothing there', undefined, {}, []],
    [
      'not wanted: stop and remove',
      undefined,
      { phase: 'running', installedHash: 'a', running: run('a') },
      ['stop', 'uninstall'],
    ],
    ['from nothing: install and start', rev('a'), {}, ['install', 'start']],
    ['converged', rev('a'), { phase: 'running', installedHash: 'a', running: run('a') }, []],
    [
      'a new revision reloads',
      rev('b'),
      { phase: 'running', installedHash: 'a', running: run('a') },
      ['install', 'reload'],
    ],
    [
      'a new restart key restarts',
      rev('b', 'k2'),
      { phase: 'running', installedHash: 'a', running: run('a') },
      ['install', 'restart'],
    ],
    [
      'other start arguments restart',
      { ...rev('b'), args: ['-q', '0:1'] },
      { phase: 'running', installedHash: 'a', running: { ...run('a'), args: ['-q', '0'] } },
      ['install', 'restart'],
    ],
    [
      'the same files with other start arguments restart',
      { ...rev('a'), args: ['-q', '0:1'] },
      { phase: 'running', installedHash: 'a', running: { ...run('a'), args: ['-q', '0'] } },
      ['restart'],
    ],
    [
      'the same start arguments reload',
      { ...rev('b'), args: ['-q', '0:1'] },
      { phase: 'running', installedHash: 'a', running: { ...run('a'), args: ['-q', '0:1'] } },
      ['install', 'reload'],
    ],
    ['back-off on the installed revision is the supervisor’s', rev('a'), { phase: 'backoff', installedHash: 'a' }, []],
    ['back-off, a new revision starts early', rev('b'), { phase: 'backoff', installedHash: 'a' }, ['install', 'start']],
    ['still starting the right revision', rev('a'), { phase: 'starting', installedHash: 'a', running: run('a') }, []],
    ['hung: restart', rev('a'), { phase: 'unhealthy', installedHash: 'a', running: run('a') }, ['restart']],
    // Roll back: the desired revision failed, another ran healthy before.
    [
      'failed, still on it: activate and reload back',
      rev('b'),
      { phase: 'unhealthy', installedHash: 'b', running: run('b'), healthy: run('a'), failed: failedB },
      ['activate', 'reload'],
    ],
    [
      'failed and exited: activate and start',
      rev('b'),
      { phase: 'stopped', installedHash: 'b', healthy: run('a'), failed: failedB },
      ['activate', 'start'],
    ],
    [
      'failed with another restart key: restart back',
      rev('b'),
      { phase: 'running', installedHash: 'b', running: run('b', 'k2'), healthy: run('a'), failed: failedB },
      ['activate', 'restart'],
    ],
    [
      'rolled back: the failed revision is not retried',
      rev('b'),
      { phase: 'running', installedHash: 'a', running: run('a'), healthy: run('a'), failed: failedB },
      [],
    ],
    [
      'rolled back, in back-off: left to the supervisor',
      rev('b'),
      { phase: 'backoff', installedHash: 'a', healthy: run('a'), failed: failedB },
      [],
    ],
    [
      'a new spec after a roll back goes live',
      rev('c'),
      { phase: 'running', installedHash: 'a', running: run('a'), healthy: run('a'), failed: failedB },
      ['install', 'reload'],
    ],
    [
      'failed with nothing healthy before: retried',
      rev('b'),
      { phase: 'unhealthy', installedHash: 'b', running: run('b'), failed: failedB },
      ['restart'],
    ],
  ];
  it.each(cases)('%s', (_what, desired, observed, expected) => {
    expect(planDaemon(desired, obs(observed)).map((a) => a.type)).toEqual(expected);
  });

  it('carries the generation and probe into the running config, and rolls back to the healthy one', () => {
    const [, start] = planDaemon(rev('a', 'k', 7), obs());
    expect(start).toMatchObject({
      type: 'start',
      config: { hash: 'a', generation: 7, ready: { tcp: { port: 8080 } } },
    });
    const healthy = { ...run('a'), generation: 1 };
    const back = planDaemon(rev('b'), obs({ phase: 'stopped', installedHash: 'b', healthy, failed: failedB }));
    expect(back).toEqual([
      { type: 'activate', hash: 'a', failed: failedB },
      { type: 'start', config: healthy },
    ]);
  });

  it('describes actions without file contents', () => {
    for (const a of planDaemon(rev('a'), obs())) expect(describeDaemonAction('d', a)).not.toContain('secret');
  });
});

describe('rollbackTarget', () => {
  it('only for the failed hash, and only to a different revision that ran healthy', () => {
    expect(rollbackTarget(rev('b'), obs({ healthy: run('a'), failed: failedB }))).toEqual(run('a'));
    expect(rollbackTarget(rev('c'), obs({ healthy: run('a'), failed: failedB }))).toBeUndefined();
    expect(rollbackTarget(rev('b'), obs({ failed: failedB }))).toBeUndefined();
    expect(rollbackTarget(rev('b'), obs({ healthy: run('b'), failed: failedB }))).toBeUndefined();
  });
});

describe('daemonConditions', () => {
  const rolledBack = obs({
    phase: 'running',
    installedHash: 'a',
    running: run('a'),
    healthy: { ...run('a'), generation: 1 },
    failed: failedB,
  });

  it('Degraded RolledBack naming the failed revision, its generation and error; Ready on the old one', () => {
    const c = daemonConditions('d', rev('b'), rolledBack);
    expect(c.find((x) => x.type === 'Degraded')).toEqual({
      type: 'Degraded',
      status: 'True',
      reason: 'RolledBack',
      message: expect.stringMatching(/revision b \(generation 2\).*revision a \(generation 1\).*nothing listens/),
    });
    expect(c.find((x) => x.type === 'Ready')).toMatchObject({ status: 'True', reason: 'RolledBack' });
  });

  it('no RolledBack once the spec moved on, Ready=False while not serving, CrashLoop in a loop', () => {
    expect(daemonConditions('d', rev('c'), rolledBack).map((c) => c.type)).toEqual(['CrashLoop']);
    const looping = obs({
      phase: 'backoff',
      crashes: { recent: 3, windowSeconds: 60, loop: true, lastExit: 'killed by SIGKILL' },
    });
    expect(daemonConditions('d', rev('a'), looping)).toEqual([
      expect.objectContaining({ type: 'CrashLoop', status: 'True', reason: 'CrashLoop' }),
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'CrashLoopBackOff' }),
    ]);
    expect(daemonConditions('d', undefined, looping).map((c) => c.type)).toEqual(['CrashLoop']);
  });
});
