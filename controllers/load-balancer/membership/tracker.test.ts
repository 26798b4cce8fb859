import { beforeEach, describe, expect, it } from '@jest/globals';
import type { Elbv2Port, RegisteredTarget } from '../../../runtime/aws/api-ports.js';
import { ControllerError } from '../../../runtime/controller.js';
import type { Schedule, TcpCheck } from './tcp-check.js';
import { createMembershipTracker } from './tracker.js';
import type { MembershipSpec, MembershipTracker } from './types.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/fedcba9876543210';
const T0 = Date.parse('2030-01-01T00:00:00Z');
const TCP = {
  source: 'tcp',
  intervalSeconds: 5,
  timeoutSeconds: 2,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
} as const;

const group = (over: Partial<MembershipSpec> = {}): MembershipSpec => ({
  targets: { targetGroupArn: ARN },
  defaultPort: 80,
  healthCheck: { source: 'targetGroup' },
  syncIntervalSeconds: 10,
  ...over,
});

/** A fake ELBv2: answers from `answer` (a list, or an error to throw), counts calls, can hang until aborted. */
class FakeElbv2 implements Elbv2Port {
  calls: string[] = [];
  answer: RegisteredTarget[] | Error = [];
  hang = false;
  describeTargetHealth(arn: string, signal: AbortSignal): Promise<RegisteredTarget[]> {
    this.calls.push(arn);
    if (this.hang)
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const answer = this.answer;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer.map((t) => ({ ...t })));
  }
}

/** Timers stepped by hand: fire() runs every pending one, then lets the checks they start settle. */
class ManualTimers {
  pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  schedule: Schedule = (fn, ms) => {
    const timer = { fn, ms, cancelled: false };
    this.pending.push(timer);
    return () => void (timer.cancelled = true);
  };
  live(): { ms: number }[] {
    return this.pending.filter((t) => !t.cancelled);
  }
  async fire(): Promise<void> {
    for (const t of this.pending.splice(0)) if (!t.cancelled) t.fn();
    await settle();
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let now: number;
let elbv2: FakeElbv2;
let timers: ManualTimers;
let tcpCalls: string[];
let reachable: Set<string>;
let tracker: MembershipTracker;
const signal = new AbortController().signal;

const tcpCheck: TcpCheck = (address, port, timeoutMs) => {
  tcpCalls.push(`${address}:${port}/${timeoutMs}`);
  return Promise.resolve(reachable.has(`${address}:${port}`));
};

beforeEach(() => {
  now = T0;
  elbv2 = new FakeElbv2();
  timers = new ManualTimers();
  tcpCalls = [];
  reachable = new Set();
  tracker = createMembershipTracker({ elbv2, tcpCheck, clock: () => new Date(now), schedule: timers.schedule });
});

const target = (address: string, state: RegisteredTarget['state'], reason?: string): RegisteredTarget => ({
  address,
  port: 8080,
  state,
  ...(reason ? { reason } : {}),
});

describe('MembershipTracker: target groups', () => {
  it('reads a group at most once per sync interval and reports when it last succeeded', async () => {
    elbv2.answer = [target('10.0.0.1', 'healthy')];
    for (const at of [0, 5_000, 9_999]) {
      now = T0 + at;
      await tracker.current('lb', group(), signal);
    }
    expect(elbv2.calls).toHaveLength(1);
    now = T0 + 10_000;
    const snap = await tracker.current('lb', group(), signal);
    expect(elbv2.calls).toHaveLength(2);
    expect(snap).toEqual({
      members: [{ address: '10.0.0.1', port: 8080, health: 'healthy' }],
      syncedAt: new Date(T0 + 10_000).toISOString(),
    });
  });

  it('reads again at once when the spec changes, and drops the old group when the group changes', async () => {
    elbv2.answer = [target('10.0.0.1', 'healthy')];
    await tracker.current('lb', group(), signal);
    await tracker.current('lb', group({ syncIntervalSeconds: 30 }), signal);
    expect(elbv2.calls).toEqual([ARN, ARN]);
    elbv2.answer = new ControllerError('TargetGroupNotFound', 'no such group', true);
    const snap = await tracker.current('lb', group({ targets: { targetGroupArn: OTHER } }), signal);
    expect(elbv2.calls).toEqual([ARN, ARN, OTHER]);
    expect(snap).toEqual({ members: [], error: { reason: 'TargetGroupNotFound', message: 'no such group' } });
  });

  it('keeps the last known members when a read fails, and clears the error on the next success', async () => {
    elbv2.answer = [target('10.0.0.1', 'healthy'), target('10.0.0.2', 'unhealthy', 'Target.Timeout')];
    const first = await tracker.current('lb', group(), signal);
    elbv2.answer = new ControllerError('Throttled', 'ELBv2 throttled', false);
    now += 10_000;
    const failed = await tracker.current('lb', group(), signal);
    expect(failed).toEqual({ ...first, error: { reason: 'Throttled', message: 'ELBv2 throttled' } });
    // A failed attempt counts against the interval too: the budget holds while AWS is unhappy.
    now += 5_000;
    await tracker.current('lb', group(), signal);
    expect(elbv2.calls).toHaveLength(2);
    elbv2.answer = [];
    now += 5_000;
    // An empty group is a real answer: no members, no error.
    expect(await tracker.current('lb', group(), signal)).toEqual({
      members: [],
      syncedAt: new Date(now).toISOString(),
    });
  });

  it('names an unexpected failure AwsApiError', async () => {
    elbv2.answer = new Error('socket hang up');
    expect((await tracker.current('lb', group(), signal)).error).toEqual({
      reason: 'AwsApiError',
      message: 'DescribeTargetHealth failed: socket hang up',
    });
  });

  it('gives up a read at its deadline, and retries a read its caller cancelled on the next call', async () => {
    elbv2.hang = true;
    const short = createMembershipTracker({ elbv2, tcpCheck, clock: () => new Date(now), syncDeadlineMs: 20 });
    expect((await short.current('lb', group(), signal)).error).toEqual({
      reason: 'SyncTimeout',
      message: 'DescribeTargetHealth did not answer within 20 ms',
    });
    const cancelled = new AbortController();
    const pending = tracker.current('lb', group(), cancelled.signal);
    cancelled.abort();
    expect(await pending).toEqual({ members: [] });
    elbv2.hang = false;
    await tracker.current('lb', group(), signal);
    expect(elbv2.calls).toHaveLength(3);
  });

  it('shares one read between concurrent callers', async () => {
    elbv2.answer = [target('10.0.0.1', 'healthy')];
    const [a, b] = await Promise.all([tracker.current('lb', group(), signal), tracker.current('lb', group(), signal)]);
    expect(a).toEqual(b);
    expect(elbv2.calls).toHaveLength(1);
  });

  it("passes ELBv2's health with source targetGroup; source none keeps only draining", async () => {
    elbv2.answer = [
      { ...target('10.0.0.1', 'unhealthy', 'Target.FailedHealthChecks'), targetId: 'i-0aaaaaaaaaaaaaaa1' },
      target('10.0.0.2', 'draining', 'Target.DeregistrationInProgress'),
      target('10.0.0.3', 'initial', 'Elb.RegistrationInProgress'),
    ];
    expect((await tracker.current('lb', group(), signal)).members).toEqual([
      {
        address: '10.0.0.1',
        port: 8080,
        health: 'unhealthy',
        reason: 'Target.FailedHealthChecks',
        targetId: 'i-0aaaaaaaaaaaaaaa1',
      },
      { address: '10.0.0.2', port: 8080, health: 'draining', reason: 'Target.DeregistrationInProgress' },
      { address: '10.0.0.3', port: 8080, health: 'initial', reason: 'Elb.RegistrationInProgress' },
    ]);
    const none = await tracker.current('lb', group({ healthCheck: { source: 'none' } }), signal);
    expect(none.members.map((m) => m.health)).toEqual(['healthy', 'draining', 'healthy']);
  });
});

describe('MembershipTracker: static targets', () => {
  it('takes the listener port and weight 1 by default, and calls no API', async () => {
    const spec = group({
      targets: { static: [{ address: '10.1.0.1' }, { address: '10.1.0.2', port: 9000, weight: 3 }] },
      healthCheck: { source: 'none' },
    });
    expect(await tracker.current('lb', spec, signal)).toEqual({
      members: [
        { address: '10.1.0.1', port: 80, health: 'healthy', weight: 1 },
        { address: '10.1.0.2', port: 9000, health: 'healthy', weight: 3 },
      ],
    });
    expect(elbv2.calls).toEqual([]);
  });
});

describe('MembershipTracker: TCP checks', () => {
  const tcpSpec = (addresses: string[]): MembershipSpec =>
    group({ targets: { static: addresses.map((address) => ({ address, port: 443 })) }, healthCheck: TCP });
  const healths = async (spec: MembershipSpec): Promise<string[]> =>
    (await tracker.current('lb', spec, signal)).members.map((m) => `${m.address} ${m.health}`);

  it('is unknown before the first verdict, then follows the thresholds on the interval', async () => {
    reachable.add('10.1.0.1:443');
    const spec = tcpSpec(['10.1.0.1', '10.1.0.2']);
    expect(await healths(spec)).toEqual(['10.1.0.1 unknown', '10.1.0.2 unknown']);
    await settle();
    expect(tcpCalls).toEqual(['10.1.0.1:443/2000', '10.1.0.2:443/2000']);
    expect(timers.live().map((t) => t.ms)).toEqual([5_000, 5_000]);
    await timers.fire();
    // Two successes make a target healthy; two failures are not yet the three that make one unhealthy.
    expect(await healths(spec)).toEqual(['10.1.0.1 healthy', '10.1.0.2 unknown']);
    await timers.fire();
    expect((await tracker.current('lb', spec, signal)).members[1]).toMatchObject({
      health: 'unhealthy',
      reason: 'Target.FailedHealthChecks',
    });
    // One failure does not flip a healthy target; three in a row do.
    reachable.clear();
    await timers.fire();
    await timers.fire();
    expect(await healths(spec)).toEqual(['10.1.0.1 healthy', '10.1.0.2 unhealthy']);
    await timers.fire();
    expect(await healths(spec)).toEqual(['10.1.0.1 unhealthy', '10.1.0.2 unhealthy']);
    // Six rounds of two targets: one at once, five on the interval.
    expect(tcpCalls).toHaveLength(12);
  });

  it('decides the health of target-group members by its own checks, never checking draining ones', async () => {
    reachable.add('10.0.0.1:8080');
    elbv2.answer = [target('10.0.0.1', 'unhealthy'), target('10.0.0.2', 'draining', 'Target.DeregistrationInProgress')];
    const spec = group({ healthCheck: TCP });
    await tracker.current('lb', spec, signal);
    await settle();
    await timers.fire();
    expect((await tracker.current('lb', spec, signal)).members.map((m) => m.health)).toEqual(['healthy', 'draining']);
    expect(new Set(tcpCalls)).toEqual(new Set(['10.0.0.1:8080/2000']));
  });

  it('stops checking targets that left, and every check on forget or a switch of source', async () => {
    await tracker.current('lb', tcpSpec(['10.1.0.1', '10.1.0.2']), signal);
    await settle();
    await tracker.current('lb', tcpSpec(['10.1.0.1']), signal);
    expect(timers.live()).toHaveLength(1);
    await tracker.current('lb', { ...tcpSpec(['10.1.0.1']), healthCheck: { source: 'none' } }, signal);
    expect(timers.live()).toHaveLength(0);
    await tracker.current('lb', tcpSpec(['10.1.0.1']), signal);
    await settle();
    expect(timers.live()).toHaveLength(1);
    tracker.forget('lb');
    expect(timers.live()).toHaveLength(0);
    const before = tcpCalls.length;
    await timers.fire();
    expect(tcpCalls).toHaveLength(before);
  });

  it('drops the result of a check in flight when the resource is forgotten', async () => {
    let finish: (ok: boolean) => void = () => undefined;
    const slow: TcpCheck = () => new Promise((resolve) => (finish = resolve));
    const t = createMembershipTracker({ elbv2, tcpCheck: slow, schedule: timers.schedule });
    await t.current('lb', tcpSpec(['10.1.0.1']), signal);
    t.forget('lb');
    finish(true);
    await settle();
    expect(timers.live()).toHaveLength(0);
  });
});
