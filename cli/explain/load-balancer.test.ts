import { describe, expect, it } from '@jest/globals';
import type { InstanceStatus } from '../../runtime/status-types.js';
import { publishedLoadBalancer } from './lb-model.js';
import { lbModelOf } from './lb-testing.js';
import { explainLoadBalancer, pickTarget, type LbHit, type LbPacket, type LbStep } from './load-balancer.js';

const GROUP = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef';
const tcp = (src: string, dst: string, dport: number, dstIsLocal = true): LbPacket => ({
  src,
  dst,
  protocol: 'tcp',
  dport,
  dstIsLocal,
});
const hit = (step: LbStep | undefined): LbHit => {
  if (!step?.hit) throw new Error(`no hit: ${JSON.stringify(step)}`);
  return step;
};
const STATIC = {
  web: {
    listener: { port: 80 },
    targets: { static: [{ address: '10.0.1.6' }, { address: '10.0.1.5', port: 8080, weight: 2 }] },
  },
  dns: {
    listener: { protocol: 'UDP', port: 53, address: '10.0.0.10' },
    targets: { static: [{ address: '10.0.1.53' }] },
  },
};

/** One instance's status document with a LoadBalancer service (the shape loadBalancerDetails writes). */
function statusOf(instanceId: string, updatedAt: string, service: Record<string, unknown>, mechanism = 'ipvs') {
  return {
    instanceId,
    gateway: 'default',
    operatorVersion: 'test',
    updatedAt,
    controllers: {
      LoadBalancer: {
        kind: 'LoadBalancer',
        phase: 'waiting',
        conditions: [],
        details: { mechanism, services: [service] },
      },
    },
  } satisfies InstanceStatus;
}

describe('explainLoadBalancer: the listener lookup', () => {
  const { model } = lbModelOf(STATIC);

  it('says nothing without a LoadBalancer resource', () => {
    expect(explainLoadBalancer(undefined, tcp('1.2.3.4', '10.0.0.10', 80))).toBeUndefined();
    expect(explainLoadBalancer({ services: [] }, tcp('1.2.3.4', '10.0.0.10', 80))).toBeUndefined();
  });

  it('finds the service by protocol, port and (when the listener names one) address', () => {
    expect(hit(explainLoadBalancer(model, tcp('1.2.3.4', '10.0.0.10', 80))).resource).toBe('web');
    const udp = { ...tcp('1.2.3.4', '10.0.0.10', 53), protocol: 'udp' as const };
    expect(hit(explainLoadBalancer(model, udp))).toMatchObject({ resource: 'dns', listener: 'UDP 10.0.0.10:53' });
    expect(explainLoadBalancer(model, { ...udp, dst: '10.0.0.11' })).toEqual({
      hit: false,
      reason: 'no LoadBalancer listens on udp 10.0.0.11:53',
    });
    expect(explainLoadBalancer(model, tcp('1.2.3.4', '10.0.0.10', 53))).toMatchObject({ hit: false });
  });

  it('needs an address of the gateway, unless the listener names the destination itself', () => {
    expect(explainLoadBalancer(model, tcp('1.2.3.4', '93.184.216.34', 80, false))).toEqual({
      hit: false,
      reason: 'no LoadBalancer listens on tcp 93.184.216.34 (not an address of the gateway)',
    });
    const named = hit(explainLoadBalancer(model, { ...tcp('1.2.3.4', '10.0.0.10', 53, false), protocol: 'udp' }));
    expect(named.notes).toContain('10.0.0.10 is taken as an address of the gateway: LoadBalancer/dns listens on it');
  });

  it('balances only tcp and udp', () => {
    const icmp: LbPacket = { src: '1.2.3.4', dst: '10.0.0.10', protocol: 'icmp', dstIsLocal: true };
    expect(explainLoadBalancer(model, icmp)).toEqual({
      hit: false,
      reason: 'only tcp and udp connections are balanced',
    });
  });
});

describe('explainLoadBalancer: targets and the pick', () => {
  it('takes static targets from the spec in the kernel order, listener port and weight defaulted', () => {
    const step = hit(explainLoadBalancer(lbModelOf(STATIC).model, tcp('1.2.3.4', '10.0.0.10', 80)));
    expect(step).toMatchObject({ targetsFrom: 'spec', mechanism: 'nftables', mechanismFrom: 'assumed' });
    expect(step.targets).toEqual([
      { address: '10.0.1.5', port: 8080, weight: 2 },
      { address: '10.0.1.6', port: 80, weight: 1 },
    ]);
    expect(step.pick).toEqual({ kind: 'oneOf', why: 'round robin: each new connection takes the next target' });
  });

  it('names the only target with weight, and none when every weight is 0', () => {
    const one = {
      listener: { port: 80 },
      targets: { static: [{ address: '10.0.1.5' }, { address: '10.0.1.6', weight: 0 }] },
    };
    const named = hit(explainLoadBalancer(lbModelOf({ one }).model, tcp('1.2.3.4', '10.0.0.10', 80)));
    expect(named.pick).toMatchObject({ kind: 'exact', target: { address: '10.0.1.5', port: 80 } });
    expect(named.targets).toHaveLength(1);
    const zero = { listener: { port: 80 }, targets: { static: [{ address: '10.0.1.5', weight: 0 }] } };
    const none = hit(explainLoadBalancer(lbModelOf({ zero }).model, tcp('1.2.3.4', '10.0.0.10', 80)));
    expect(none.pick.kind).toBe('none');
  });

  // Weights 3 and 4 make 7 slots (0-2 the first target, 3-6 the second): the sources' slots are the kernel's.
  const sh = {
    listener: { port: 80 },
    scheduler: 'sh',
    targets: {
      static: [
        { address: '10.0.1.5', weight: 3 },
        { address: '10.0.1.6', weight: 4 },
      ],
    },
  };

  it.each([
    ['127.0.0.1', '10.0.1.5', 'jhash ip saddr mod 7 = 2'],
    ['127.0.0.2', '10.0.1.6', 'jhash ip saddr mod 7 = 5'],
    ['127.1.2.3', '10.0.1.5', 'jhash ip saddr mod 7 = 1'],
    ['127.200.10.7', '10.0.1.6', 'jhash ip saddr mod 7 = 3'],
  ])('names the sh target of %s on nftables by the table layout and the kernel hash', (src, address, why) => {
    const step = hit(explainLoadBalancer(lbModelOf({ sh }).model, tcp(src, '10.0.0.10', 80)));
    expect(step.pick).toEqual({
      kind: 'exact',
      target: { address, port: 80, weight: address === '10.0.1.5' ? 3 : 4 },
      why,
    });
  });

  it('says "one of" for sh on IPVS, and for lc, which nftables runs as wrr', () => {
    const ipvs = lbModelOf({ sh }, { mechanism: 'ipvs' }).model;
    const step = hit(explainLoadBalancer(ipvs, tcp('127.0.0.1', '10.0.0.10', 80)));
    expect(step).toMatchObject({ mechanism: 'ipvs', mechanismFrom: 'option', pick: { kind: 'oneOf' } });
    const lc = lbModelOf({ lc: { ...sh, scheduler: 'lc' } }).model;
    expect(hit(explainLoadBalancer(lc, tcp('127.0.0.1', '10.0.0.10', 80)))).toMatchObject({
      scheduler: 'lc',
      schedulerInEffect: 'wrr',
      pick: { kind: 'oneOf', why: 'weighted round robin: the next target in proportion to its weight' },
    });
  });

  it('knows a target group only from status', () => {
    const spec = { web: { listener: { port: 80 }, targets: { targetGroupArn: GROUP } } };
    const offline = hit(explainLoadBalancer(lbModelOf(spec).model, tcp('1.2.3.4', '10.0.0.10', 80)));
    expect(offline).toMatchObject({ targetsFrom: 'unknown', targets: [] });
    expect(offline.pick).toEqual({
      kind: 'unknown',
      why: `the members of target group ${GROUP} are known only to the running operator`,
    });
    const published = {
      name: 'web',
      generation: 1,
      targets: [
        { address: '10.0.2.1', port: 80, weight: 1, health: 'healthy', state: 'active' },
        {
          address: '10.0.2.2',
          port: 80,
          weight: 0,
          health: 'draining',
          state: 'draining since 2024-01-01T00:00:00.000Z',
        },
      ],
    };
    const statuses = [
      statusOf('i-old', '2024-01-01T00:00:00.000Z', { ...published, targets: [] }),
      statusOf('i-new', '2024-01-02T00:00:00.000Z', published),
    ];
    const online = hit(explainLoadBalancer(lbModelOf(spec, { statuses }).model, tcp('1.2.3.4', '10.0.0.10', 80)));
    expect(online).toMatchObject({
      targetsFrom: 'status',
      mechanism: 'ipvs',
      mechanismFrom: 'status',
      publishedBy: { instanceId: 'i-new', updatedAt: '2024-01-02T00:00:00.000Z' },
      targets: [{ address: '10.0.2.1', port: 80, weight: 1 }],
      pick: { kind: 'exact', target: { address: '10.0.2.1' } },
    });
    const chosen = lbModelOf(spec, { statuses, instanceId: 'i-old' }).model;
    expect(hit(explainLoadBalancer(chosen, tcp('1.2.3.4', '10.0.0.10', 80))).pick.kind).toBe('none');
  });

  it('says which status is stale, and keeps static targets from the spec then', () => {
    const published = { name: 'web', generation: 1, targets: [{ address: '10.9.9.9', port: 80, weight: 1 }] };
    const statuses = [statusOf('i-1', '2024-01-01T00:00:00.000Z', published, 'nftables')];
    const { model } = lbModelOf(STATIC, { statuses }, 2);
    const step = hit(explainLoadBalancer(model, tcp('1.2.3.4', '10.0.0.10', 80)));
    expect(step.targetsFrom).toBe('spec');
    expect(step.notes).toContain('status of i-1 is of generation 1, not 2: the spec is used');
  });

  it('cannot name an sh target while status leaves targets out', () => {
    const published = {
      name: 'sh',
      generation: 1,
      targets: [{ address: '10.0.1.5', port: 80, weight: 1 }],
      unlistedTargets: 3,
    };
    const statuses = [statusOf('i-1', '2024-01-01T00:00:00.000Z', published, 'nftables')];
    const step = hit(explainLoadBalancer(lbModelOf({ sh }, { statuses }).model, tcp('127.0.0.1', '10.0.0.10', 80)));
    expect(step.pick).toEqual({ kind: 'oneOf', why: 'status does not list every target' });
    expect(step.notes).toContain('status lists the first targets only: 3 more exist');
  });
});

describe('pickTarget', () => {
  it('gives weight-0 targets no slot: the hash spreads over the others only', () => {
    const targets = [
      { address: '10.0.1.4', port: 80, weight: 0 },
      { address: '10.0.1.5', port: 80, weight: 3 },
      { address: '10.0.1.6', port: 80, weight: 4 },
    ];
    expect(pickTarget({ scheduler: 'sh', targets }, 'nftables', '127.0.0.2', true)).toMatchObject({
      kind: 'exact',
      target: { address: '10.0.1.6' },
    });
  });

  it.each(['rr', 'wrr', 'mh'] as const)('does not guess %s', (scheduler) => {
    const targets = [
      { address: '10.0.1.5', port: 80, weight: 1 },
      { address: '10.0.1.6', port: 80, weight: 1 },
    ];
    expect(pickTarget({ scheduler, targets }, 'ipvs', '127.0.0.1', true).kind).toBe('oneOf');
  });
});

describe('publishedLoadBalancer', () => {
  it('reads status defensively: a malformed target counts as unlisted, a malformed service is skipped', () => {
    const service = {
      name: 'web',
      generation: 1,
      targets: [
        { address: '10.0.1.5', port: 80, weight: 1 },
        { address: '10.0.1.6; flush ruleset', port: 80, weight: 1 },
        { address: '10.0.1.7', port: '80', weight: 1 },
      ],
      unlistedTargets: 2,
    };
    const status = statusOf('i-1', '2024-01-01T00:00:00.000Z', service, 'xdp');
    status.controllers.LoadBalancer.details.services.push({ name: 7 });
    const notes: string[] = [];
    expect(publishedLoadBalancer([status], undefined, notes)).toEqual({
      instanceId: 'i-1',
      updatedAt: '2024-01-01T00:00:00.000Z',
      services: { web: { generation: 1, targets: [{ address: '10.0.1.5', port: 80, weight: 1 }], unlisted: 4 } },
    });
    expect(notes).toEqual([]);
  });

  it('skips a document whose details were cut to fit SSM, and says when --instance has none', () => {
    const cut: InstanceStatus = {
      ...statusOf('i-1', '2024-01-01T00:00:00.000Z', {}),
      controllers: { LoadBalancer: { kind: 'LoadBalancer', phase: 'waiting', conditions: [], details: {} } },
      truncated: true,
    };
    const notes: string[] = [];
    expect(publishedLoadBalancer([cut], undefined, notes)).toBeUndefined();
    expect(publishedLoadBalancer([cut], 'i-1', notes)).toBeUndefined();
    expect(notes).toEqual(['instance i-1 reports no LoadBalancer status']);
  });
});
