import { describe, expect, it } from '@jest/globals';
import type { MemberView, MembershipSnapshot } from './membership/types.js';
import { validateLoadBalancerSpec, type LoadBalancerSpec } from './spec.js';
import { planServiceTargets, type TargetPlanInput } from './targets.js';
import type { KernelTarget } from './types.js';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef';
const T0 = '2025-01-01T00:00:00.000Z';
const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function spec(over: Record<string, unknown> = {}): LoadBalancerSpec {
  const result = validateLoadBalancerSpec({
    listener: { port: 80 },
    targets: { targetGroupArn: ARN },
    drainTimeoutSeconds: 60,
    ...over,
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
}

const member = (address: string, health: MemberView['health'], extra: Partial<MemberView> = {}): MemberView => ({
  address,
  port: 80,
  health,
  ...extra,
});
const inKernel = (address: string, weight: number): KernelTarget => ({ address, port: 80, weight });

function plan(over: Partial<TargetPlanInput> & { members?: MemberView[] }): ReturnType<typeof planServiceTargets> {
  const snapshot: MembershipSnapshot = over.snapshot ?? { members: over.members ?? [], syncedAt: T0 };
  return planServiceTargets({ spec: spec(), kernel: undefined, ledger: {}, now: T0, ...over, snapshot });
}

const weights = (p: ReturnType<typeof planServiceTargets>): Record<string, number> =>
  Object.fromEntries(p.targets.map((t) => [t.address, t.weight]));

describe('planServiceTargets: health', () => {
  it('healthy targets get their weight (1 for target-group members); unhealthy ones 0 at once', () => {
    const p = plan({
      members: [member('10.0.0.1', 'healthy'), member('10.0.0.2', 'unhealthy', { reason: 'Target.Timeout' })],
      kernel: [inKernel('10.0.0.1', 1), inKernel('10.0.0.2', 1)],
    });
    expect(weights(p)).toEqual({ '10.0.0.1': 1, '10.0.0.2': 0 });
    expect(p.targets[1]).toMatchObject({ state: 'unhealthy', reason: 'Target.Timeout' });
    expect(p.failOpen).toBe(false);
    expect(p.drains).toEqual({});
  });

  it('under source none every registered target is healthy, with its static weight', () => {
    const s = spec({ targets: { static: [{ address: '10.0.0.1', weight: 3 }] } });
    const p = plan({ spec: s, members: [member('10.0.0.1', 'unknown', { weight: 3 })] });
    expect(p.targets).toEqual([{ address: '10.0.0.1', port: 80, weight: 3, state: 'active', health: 'unknown' }]);
  });

  it('fails open like an NLB when no target is healthy: every registered non-draining target gets its weight', () => {
    const p = plan({
      members: [member('10.0.0.1', 'unhealthy'), member('10.0.0.2', 'initial'), member('10.0.0.3', 'draining')],
      kernel: [inKernel('10.0.0.3', 1)],
    });
    expect(p.failOpen).toBe(true);
    expect(weights(p)).toEqual({ '10.0.0.1': 1, '10.0.0.2': 1, '10.0.0.3': 0 });
  });

  it('does not fail open when the only targets are draining', () => {
    const p = plan({ members: [member('10.0.0.3', 'draining')], kernel: [inKernel('10.0.0.3', 1)] });
    expect(p.failOpen).toBe(false);
    expect(p.targets.map((t) => t.state)).toEqual(['draining']);
  });
});

describe('planServiceTargets: draining', () => {
  it('a draining, unused or deregistered target gets weight 0 now and a ledger entry', () => {
    const p = plan({
      members: [member('10.0.0.1', 'healthy'), member('10.0.0.2', 'draining'), member('10.0.0.3', 'unused')],
      kernel: [inKernel('10.0.0.1', 1), inKernel('10.0.0.2', 1), inKernel('10.0.0.3', 1), inKernel('10.0.0.4', 1)],
    });
    expect(weights(p)).toEqual({ '10.0.0.1': 1, '10.0.0.2': 0, '10.0.0.3': 0, '10.0.0.4': 0 });
    expect(p.drains).toEqual({ '10.0.0.2:80': T0, '10.0.0.3:80': T0, '10.0.0.4:80': T0 });
    expect(p.targets[3]).toMatchObject({ state: 'draining', health: 'gone', drainingSince: T0, removeAt: at(60) });
  });

  it('keeps the drain until drainTimeoutSeconds after it began, then removes the target', () => {
    const input = {
      members: [member('10.0.0.1', 'healthy')],
      kernel: [inKernel('10.0.0.1', 1), inKernel('10.0.0.2', 0)],
    };
    const ledger = { '10.0.0.2:80': T0 };
    expect(weights(plan({ ...input, ledger, now: at(59) }))).toEqual({ '10.0.0.1': 1, '10.0.0.2': 0 });
    const done = plan({ ...input, ledger, now: at(60) });
    expect(weights(done)).toEqual({ '10.0.0.1': 1 });
    expect(done.drains).toEqual({});
  });

  it('after a restart (no ledger) a weight-0 target in the kernel starts its drain anew, never cut short', () => {
    const p = plan({ members: [], kernel: [inKernel('10.0.0.2', 0)], now: at(1000) });
    expect(p.targets).toEqual([
      expect.objectContaining({ address: '10.0.0.2', weight: 0, drainingSince: at(1000), removeAt: at(1060) }),
    ]);
  });

  it('drain timeout 0 removes at once; a target never in the kernel is not drained', () => {
    const p = plan({
      spec: spec({ drainTimeoutSeconds: 0 }),
      members: [member('10.0.0.2', 'draining'), member('10.0.0.5', 'draining')],
      kernel: [inKernel('10.0.0.2', 1)],
    });
    expect(p.targets).toEqual([]);
  });

  it('a drained target that is healthy again is active and leaves the ledger', () => {
    const p = plan({
      members: [member('10.0.0.2', 'healthy')],
      kernel: [inKernel('10.0.0.2', 0)],
      ledger: { '10.0.0.2:80': T0 },
    });
    expect(p.targets).toEqual([expect.objectContaining({ weight: 1, state: 'active' })]);
    expect(p.drains).toEqual({});
  });
});

describe('planServiceTargets: sync errors', () => {
  it('a failed first sync leaves what the kernel has in place', () => {
    const snapshot = { members: [], error: { reason: 'AwsApiUnavailable', message: 'no role' } };
    const p = plan({ snapshot, kernel: [inKernel('10.0.0.1', 2), inKernel('10.0.0.2', 0)] });
    expect(weights(p)).toEqual({ '10.0.0.1': 2, '10.0.0.2': 0 });
    expect(p.drains).toEqual({});
    expect(p.targets[0]).toMatchObject({ state: 'active', reason: 'AwsApiUnavailable' });
  });

  it('a failed later sync plans from the last members the tracker kept', () => {
    const snapshot = {
      members: [member('10.0.0.1', 'healthy')],
      syncedAt: T0,
      error: { reason: 'Throttled', message: 'x' },
    };
    expect(weights(plan({ snapshot, kernel: [inKernel('10.0.0.1', 1)], now: at(30) }))).toEqual({ '10.0.0.1': 1 });
  });
});
