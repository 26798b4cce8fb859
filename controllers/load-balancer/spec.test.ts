import { describe, expect, it } from '@jest/globals';
import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import { validateLoadBalancerSpec } from './spec.js';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-1/0123456789abcdef';

function errorsOf(raw: unknown): string[] {
  const result = validateLoadBalancerSpec(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
  return result.errors;
}

const lb = (over: Record<string, unknown>): Record<string, unknown> => ({
  listener: { port: 80 },
  targets: { static: [{ address: '10.0.1.5' }] },
  ...over,
});

describe('validateLoadBalancerSpec: valid specs', () => {
  it('applies the defaults; static targets have no health source', () => {
    expect(validateLoadBalancerSpec(lb({}))).toEqual({
      ok: true,
      value: {
        listener: { protocol: 'TCP', port: 80 },
        targets: { static: [{ address: '10.0.1.5', weight: 1 }] },
        scheduler: 'rr',
        healthCheck: { source: 'none' },
        syncIntervalSeconds: 15,
        drainTimeoutSeconds: 300,
        sourceNat: false,
      },
    });
  });

  it('a target group defaults to its own health checks; the example is valid', () => {
    const result = validateLoadBalancerSpec(loadBalancerKind.example.spec);
    expect(result).toMatchObject({ ok: true, value: { healthCheck: { source: 'targetGroup' } } });
    expect(validateLoadBalancerSpec(lb({ targets: { targetGroupArn: ARN } }))).toMatchObject({ ok: true });
  });

  it('accepts partitions and regions beyond aws/eu-west-1', () => {
    for (const arn of [
      'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/a/0123456789abcdef',
      'arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/x-y/fedcba9876543210',
    ])
      expect(validateLoadBalancerSpec(lb({ targets: { targetGroupArn: arn } })).ok).toBe(true);
  });

  it('fills tcp check defaults around what is given', () => {
    const result = validateLoadBalancerSpec(lb({ healthCheck: { source: 'tcp', intervalSeconds: 3 } }));
    expect(result).toMatchObject({
      ok: true,
      value: {
        healthCheck: {
          source: 'tcp',
          intervalSeconds: 3,
          timeoutSeconds: 5,
          healthyThreshold: 3,
          unhealthyThreshold: 3,
        },
      },
    });
  });
});

describe('validateLoadBalancerSpec: bad input gets a reason', () => {
  it.each([
    ['a port out of range', lb({ listener: { port: 65536 } }), 'spec.listener.port'],
    ['an unknown protocol', lb({ listener: { port: 80, protocol: 'SCTP' } }), 'spec.listener.protocol'],
    ['a loopback listener', lb({ listener: { port: 80, address: '127.0.0.1' } }), 'spec.listener.address'],
    ['an unknown scheduler', lb({ scheduler: 'fo' }), 'spec.scheduler'],
    ['a weight over 256', lb({ targets: { static: [{ address: '10.0.0.1', weight: 257 }] } }), 'weight'],
    ['a multicast target', lb({ targets: { static: [{ address: '224.0.0.1' }] } }), 'static[0].address'],
    ['a drain over an hour', lb({ drainTimeoutSeconds: 3601 }), 'spec.drainTimeoutSeconds'],
    ['a sync under 5 s', lb({ syncIntervalSeconds: 4 }), 'spec.syncIntervalSeconds'],
    ['no targets', lb({ targets: { static: [] } }), 'spec.targets'],
    ['both target kinds', lb({ targets: { targetGroupArn: ARN, static: [{ address: '10.0.0.1' }] } }), 'spec.targets'],
    ['target group checks for static targets', lb({ healthCheck: { source: 'targetGroup' } }), 'healthCheck'],
    ['tcp checks of UDP', lb({ listener: { port: 53, protocol: 'UDP' }, healthCheck: { source: 'tcp' } }), 'tcp'],
  ])('%s', (_what, raw, field) => {
    expect(errorsOf(raw).join('\n')).toContain(field);
  });

  it('rejects the same address:port twice, the default port included', () => {
    const raw = lb({ targets: { static: [{ address: '10.0.0.1' }, { address: '10.0.0.1', port: 80 }] } });
    expect(errorsOf(raw)).toEqual(['spec.targets.static[1]: 10.0.0.1:80 is already listed at spec.targets.static[0]']);
  });

  it.each([
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/web/0123456789abcdef',
    'arn:aws:elasticloadbalancing:eu-west-1:12345678901:targetgroup/web/0123456789abcdef',
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/-web/0123456789abcdef',
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef\n',
    'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef; flush ruleset',
    'arn:aws:s3:eu-west-1:123456789012:targetgroup/web/0123456789abcdef',
  ])('rejects the ARN %j', (arn) => {
    expect(errorsOf(lb({ targets: { targetGroupArn: arn } })).join('\n')).toContain('is not a target group ARN');
  });
});
