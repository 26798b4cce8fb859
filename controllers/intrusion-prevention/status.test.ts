import { describe, expect, it } from '@jest/globals';
import type { DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
import { parseRulesetStats } from './observe.js';
import { ipsConditions, ipsDetails } from './status.js';
import type { IpsDesired, IpsObserved } from './types.js';

const revision = { hash: 'r2', restartKey: 'k2', args: ['-q', '0'], ruleCount: 5, files: [] };
const desired = (failureMode: 'failOpen' | 'failClosed' = 'failOpen'): DesiredState<IpsDesired> => ({
  name: 'default',
  generation: 2,
  spec: {
    enabled: true,
    mode: 'prevent',
    failureMode,
    revision,
    queue: { selectors: [], first: 0, count: 2, bypass: failureMode === 'failOpen' },
    sources: { domainFilters: [{ name: 'deny', generation: 1, mode: 'deny' }], ruleSets: [] },
  },
});
const daemon = (o: Partial<DaemonObservation>): DaemonObservation => ({
  phase: 'running',
  crashes: { recent: 0, windowSeconds: 60, loop: false },
  installedHash: 'r2',
  running: { hash: 'r2', restartKey: 'k2' },
  ...o,
});
const observed = (o: Partial<IpsObserved> = {}): IpsObserved => ({
  daemon: daemon({}),
  queue: { present: true, intact: true, hash: 'h', packets: 10 },
  mechanism: 'xt-nfqueue',
  rules: { loaded: 5, failed: 0 },
  counters: { drops: 1 },
  boundQueues: [0, 1],
  eveBytes: 0,
  ...o,
});

describe('ipsDetails', () => {
  it('says what runs, where from, and what it did', () => {
    expect(ipsDetails(desired(), observed())).toMatchObject({
      enabled: true,
      mode: 'prevent',
      failureMode: 'failOpen',
      mechanism: 'xt-nfqueue',
      phase: 'running',
      queues: { first: 0, count: 2, bound: [0, 1], rulesInstalled: true },
      rules: { configured: 5, loaded: 5, failed: 0 },
      domainFilters: [{ name: 'deny', generation: 1, mode: 'deny' }],
      counters: { drops: 1 },
    });
  });

  it('says when the change waiting to go live needs a restart, not a rule reload', () => {
    const old = observed({ daemon: daemon({ running: { hash: 'r1', restartKey: 'k1' } }) });
    expect(ipsDetails(desired(), old)).toHaveProperty('restartRequired');
    const reloadable = observed({ daemon: daemon({ running: { hash: 'r1', restartKey: 'k2' } }) });
    expect(ipsDetails(desired(), reloadable)).not.toHaveProperty('restartRequired');
  });

  it('shows the last refused candidate', () => {
    const refused = observed({ daemon: daemon({ lastCheckError: "unknown rule keyword 'x'" }) });
    expect(ipsDetails(desired(), refused)).toMatchObject({ rules: { lastError: "unknown rule keyword 'x'" } });
  });
});

describe('ipsConditions', () => {
  const degraded = (d: DesiredState<IpsDesired>, o: IpsObserved) =>
    ipsConditions(d, o).find((c) => c.type === 'Degraded');

  it('a Suricata that does not serve: what that means for traffic', () => {
    const down = observed({ daemon: daemon({ phase: 'backoff', running: undefined }) });
    expect(degraded(desired('failOpen'), down)).toMatchObject({ status: 'True', reason: 'FailingOpen' });
    expect(degraded(desired('failClosed'), down)).toMatchObject({ status: 'True', reason: 'FailingClosed' });
    expect(ipsConditions(desired(), down).find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
  });

  it('a queue nobody reads', () => {
    expect(degraded(desired(), observed({ boundQueues: [0] }))).toMatchObject({
      reason: 'QueueUnbound',
      message: expect.stringContaining('queue(s) 1'),
    });
    expect(degraded(desired(), observed())).toBeUndefined();
  });
});

describe('parseRulesetStats', () => {
  it('reads what suricatasc prints', () => {
    const text = '{"message": [{"id": 0, "rules_loaded": 13, "rules_failed": 1, "rules_skipped": 0}], "return": "OK"}';
    expect(parseRulesetStats(text)).toEqual({ loaded: 13, failed: 1 });
  });

  it.each(['', 'not json', '{"return": "NOK", "message": "no engine"}', '{"return": "OK", "message": []}'])(
    'nothing usable: %j',
    (text) => {
      expect(parseRulesetStats(text)).toBeUndefined();
    },
  );
});
