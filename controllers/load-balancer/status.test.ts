import { describe, expect, it } from '@jest/globals';
import type { DesiredState } from '../../runtime/controller.js';
import { validateLoadBalancerSpec } from './spec.js';
import { loadBalancerDetails, loadBalancerWarnings, neverAdmitted } from './status.js';
import type { LoadBalancerDesired, LoadBalancerObserved } from './types.js';

const T0 = '2025-01-01T00:00:00.000Z';

function desired(over: Record<string, unknown> = {}): DesiredState<LoadBalancerDesired> {
  const result = validateLoadBalancerSpec({
    listener: { port: 80 },
    targets: { static: [{ address: '10.0.0.1' }, { address: '10.0.0.2', weight: 3 }] },
    healthCheck: { source: 'tcp' },
    scheduler: 'wlc',
    ...over,
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return {
    name: 'web',
    generation: 4,
    spec: { services: [{ name: 'web', generation: 4, id: 1, spec: result.value }], rejected: [] },
  };
}

const observed = (over: Partial<LoadBalancerObserved> = {}): LoadBalancerObserved => ({
  mechanism: 'nftables',
  now: T0,
  memberships: {
    web: {
      members: [
        { address: '10.0.0.1', port: 80, health: 'healthy', weight: 1 },
        { address: '10.0.0.2', port: 80, health: 'unhealthy', reason: 'Connect timed out', weight: 3 },
      ],
      syncedAt: T0,
    },
  },
  ledger: {},
  ...over,
});

describe('LoadBalancer status', () => {
  it('details: mechanism, listener, schedulers, each target with health, weight and state, the last sync', () => {
    expect(loadBalancerDetails(desired(), observed())).toEqual({
      mechanism: 'nftables',
      table: 'ip csgw_lb',
      rejected: [],
      services: [
        {
          name: 'web',
          generation: 4,
          listener: 'TCP *:80',
          scheduler: 'wlc',
          schedulerInEffect: 'wrr',
          sourceNat: false,
          lastSync: T0,
          failOpen: false,
          counts: { active: 1, draining: 0, unhealthy: 1 },
          targets: [
            { address: '10.0.0.1', port: 80, health: 'healthy', weight: 1, state: 'active' },
            {
              address: '10.0.0.2',
              port: 80,
              health: 'unhealthy',
              reason: 'Connect timed out',
              weight: 0,
              state: 'unhealthy',
            },
          ],
        },
      ],
    });
  });

  it('warns SchedulerNotSupported on nftables only', () => {
    expect(loadBalancerWarnings(desired(), observed()).map((w) => w.reason)).toEqual(['SchedulerNotSupported']);
    expect(loadBalancerWarnings(desired(), observed({ mechanism: 'ipvs', ipvs: [] }))).toEqual([]);
  });

  it('warns NoHealthyTargets when failing open, and the sync error with its own reason', () => {
    const failing = observed({
      memberships: {
        web: {
          members: [{ address: '10.0.0.1', port: 80, health: 'unhealthy' }],
          syncedAt: T0,
          error: { reason: 'TargetGroupNotFound', message: 'gone' },
        },
      },
    });
    const warnings = loadBalancerWarnings(desired({ scheduler: 'rr' }), failing);
    expect(warnings.map((w) => [w.resource, w.reason])).toEqual([
      ['web', 'NoHealthyTargets'],
      ['web', 'TargetGroupNotFound'],
    ]);
    expect(warnings[0]?.message).toContain('failing open like an NLB');
    const details = loadBalancerDetails(desired({ scheduler: 'rr' }), failing);
    expect(details.services).toMatchObject([{ failOpen: true, syncError: { reason: 'TargetGroupNotFound' } }]);
  });

  it('shows a draining target with its start, and counts connections per target from its chain counter', () => {
    const table = {
      table: { family: 'ip' as const, name: 'csgw_lb', sets: [], chains: [] },
      counters: [{ chain: 'tgt-0001-10.0.0.1-80', index: 0, packets: 7, bytes: 420 }],
    };
    const members = [{ address: '10.0.0.1', port: 80, health: 'healthy' as const }];
    const kernel = observed({
      memberships: { web: { members, syncedAt: T0 } },
      ledger: { web: { '10.0.0.2:80': T0 } },
      table: {
        ...table,
        table: {
          ...table.table,
          chains: [
            { name: 'tgt-0001-10.0.0.1-80', rules: [] },
            { name: 'tgt-0001-10.0.0.2-80', rules: [] },
          ],
        },
      },
    });
    const details = loadBalancerDetails(desired({ scheduler: 'rr' }), kernel);
    expect(details.services).toMatchObject([
      {
        targets: [
          { address: '10.0.0.1', connections: 7, state: 'active' },
          {
            address: '10.0.0.2',
            health: 'gone',
            weight: 0,
            state: `draining since ${T0}`,
            removeAt: '2025-01-01T00:05:00.000Z',
          },
        ],
      },
    ]);
  });

  it('is not Ready when resources exist but none was ever admitted', () => {
    const rejected = { name: 'web', generation: 2, errors: ['bad'] };
    expect(neverAdmitted({ spec: { services: [], rejected: [rejected] } })).toMatchObject([
      { type: 'Ready', status: 'False', reason: 'InvalidSpec', observedGeneration: 2 },
    ]);
    expect(neverAdmitted(desired())).toEqual([]);
  });
});
