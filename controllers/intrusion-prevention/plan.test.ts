import { describe, expect, it } from '@jest/globals';
import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
import { describeAction, planIntrusionPrevention } from './plan.js';
import { queueHash } from './queue-rules.js';
import type { IpsDesired, IpsObserved, QueueSpec } from './types.js';

const queue: QueueSpec = { selectors: [], first: 0, count: 2, bypass: true };
const revision = {
  hash: 'r1',
  restartKey: 'k',
  args: ['-q', '0', '-q', '1'],
  ruleCount: 3,
  files: [{ name: 'suricata.yaml', content: 'x', mode: 0o644 }],
};

const desired = (enabled = true): DesiredState<IpsDesired> => ({
  name: 'default',
  generation: 4,
  spec: {
    enabled,
    mode: 'prevent',
    failureMode: 'failOpen',
    ...(enabled ? { revision, queue } : {}),
    sources: { domainFilters: [], ruleSets: [] },
  },
});

const daemon = (o: Partial<DaemonObservation> = {}): DaemonObservation => ({
  phase: 'stopped',
  crashes: { recent: 0, windowSeconds: 60, loop: false },
  ...o,
});
const runningR1 = daemon({
  phase: 'running',
  installedHash: 'r1',
  running: { hash: 'r1', restartKey: 'k', args: revision.args },
});
const installed = { present: true, intact: true, hash: queueHash(queue), packets: 0 };

const observed = (o: Partial<IpsObserved> = {}): IpsObserved => ({
  daemon: daemon(),
  queue: { present: false, intact: false, packets: 0 },
  mechanism: 'xt-nfqueue',
  counters: {},
  boundQueues: [],
  eveBytes: 0,
  ...o,
});

const types = (d: DesiredState<IpsDesired>, o: IpsObserved): string[] =>
  planIntrusionPrevention(d, o).map((a) => a.type);

describe('planIntrusionPrevention', () => {
  it('starts Suricata before any packet is queued to it', () => {
    expect(types(desired(), observed())).toEqual(['install', 'start', 'queue']);
  });

  it('converged: nothing to do', () => {
    expect(types(desired(), observed({ daemon: runningR1, queue: installed }))).toEqual([]);
  });

  it('repairs queue rules someone removed or changed', () => {
    expect(types(desired(), observed({ daemon: runningR1, queue: { ...installed, intact: false } }))).toEqual([
      'queue',
    ]);
    expect(types(desired(), observed({ daemon: runningR1, queue: { ...installed, hash: 'old' } }))).toEqual(['queue']);
  });

  it('queues nothing new while Suricata is in crash back-off, and keeps what is there (fail closed stays closed)', () => {
    const backoff = daemon({ phase: 'backoff', installedHash: 'r1' });
    expect(types(desired(), observed({ daemon: backoff }))).toEqual([]);
    expect(types(desired(), observed({ daemon: backoff, queue: installed }))).toEqual([]);
  });

  it('disabling takes Suricata out of the path before stopping it', () => {
    expect(types(desired(false), observed({ daemon: runningR1, queue: installed }))).toEqual([
      'unqueue',
      'stop',
      'uninstall',
    ]);
  });

  it('a host without Suricata or a queue mechanism is inert, only when the IPS is wanted', () => {
    const missing = observed({ unavailable: { reason: 'DaemonNotInstalled', message: 'no suricata' } });
    expect(() => planIntrusionPrevention(desired(), missing)).toThrow(ControllerError);
    expect(types(desired(false), missing)).toEqual([]);
    const { mechanism: _, ...none } = observed();
    expect(() => planIntrusionPrevention(desired(), none)).toThrow(/NFQUEUE/);
  });

  it('a roll back to a revision on other queues keeps the queue rules it ran with', () => {
    const failed = { hash: 'r1', generation: 4, error: 'not ready within 180 s' };
    const healthy = { hash: 'r0', restartKey: 'k', args: ['-q', '0'] };
    const down = daemon({ phase: 'stopped', installedHash: 'r1', healthy, failed });
    const rollback = observed({ daemon: down, queue: { present: true, intact: true, hash: 'old', packets: 0 } });
    expect(types(desired(), rollback)).toEqual(['activate', 'start']);
    const sameQueues = observed({ daemon: daemon({ ...down, healthy: { ...healthy, args: revision.args } }) });
    expect(types(desired(), sameQueues)).toEqual(['activate', 'start', 'queue']);
  });

  it('does not stop Suricata while it cannot see the queue rules to remove them', () => {
    const { mechanism: _, ...blind } = observed({ daemon: runningR1, queue: installed });
    expect(() => planIntrusionPrevention(desired(false), blind)).toThrow(/before stopping Suricata/);
  });

  it('rotates eve.json once it outgrows its limit, after the process actions', () => {
    const big = observed({ daemon: runningR1, queue: installed, eveBytes: 65 * 1024 * 1024 });
    expect(types(desired(), big)).toEqual(['rotateLogs']);
  });

  it('describes the queue step with its mechanism and failure mode', () => {
    expect(describeAction({ type: 'queue', queue, mechanism: 'xt-nfqueue' })).toBe(
      'queue forwarded traffic to Suricata (queues 0-1, fail open) through the xt NFQUEUE target (iptables-nft)',
    );
  });
});
