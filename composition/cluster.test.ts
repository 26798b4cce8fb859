import { describe, expect, it } from '@jest/globals';
import { SSMClient } from '@aws-sdk/client-ssm';
import { pino } from 'pino';
import { SELF } from '../testing/ec2-fixtures.js';
import { EventRecorder } from '../runtime/event-recorder.js';
import { gatewayPaths } from '../runtime/paths.js';
import { setUpCluster, type ClusterSettings } from './cluster.js';

const OPTS: ClusterSettings = {
  timing: { leaseDurationMs: 3000, renewDeadlineMs: 2600, retryPeriodMs: 2000 },
  resourcePrefix: 'cloudspectra',
  timeouts: { connectMs: 1000, requestMs: 1000 },
};

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';

function deps(): Parameters<typeof setUpCluster>[2] {
  return {
    ssm: new SSMClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
    paths: gatewayPaths('/cloudspectra', 'test'),
    holder: SELF.instanceId,
    events: new EventRecorder('t', () => new Date()),
    logger: pino({ level: 'silent' }),
  };
}

describe('setUpCluster', () => {
  it('runs no elector without an EC2 identity, and says why', () => {
    const cluster = setUpCluster(OPTS, 'no EC2 identity: test', { ...deps(), env: {} });
    expect(cluster.aws).toMatchObject({ unavailable: 'no EC2 identity: test' });
    expect([...cluster.leases.keys()]).toEqual([]);
  });

  it('without an EC2 identity, gives ELBv2 and ACM only to endpoints the environment names', async () => {
    const cluster = setUpCluster(OPTS, 'no EC2 identity: test', { ...deps(), env: {} });
    await expect(cluster.aws.awsApis.elbv2.describeTargetHealth(TG, AbortSignal.timeout(100))).rejects.toMatchObject({
      reason: 'AwsApiUnavailable',
      message: expect.stringContaining('no EC2 identity: test'),
    });
  });

  it('elects in the cluster scope and the AZ of the identity', () => {
    const identity = SELF;
    const cluster = setUpCluster(OPTS, identity, deps());
    expect([...cluster.leases.keys()]).toEqual(['cluster', 'az/use1-az1']);
    const aws = cluster.aws;
    if ('unavailable' in aws) throw new Error('expected EC2 facts');
    expect(aws.leases.az.scope).toBe('az/use1-az1');
    expect(() => aws.leases.cluster.assertHeld()).toThrow(/does not hold the cluster lease/);
  });

  it('never falls back to the instance role when the operational role is not configured', async () => {
    const identity = SELF;
    const cluster = setUpCluster(OPTS, identity, deps());
    if ('unavailable' in cluster.aws) throw new Error('expected EC2 facts');
    await expect(
      cluster.aws.operationalEc2().describeRouteTables(['rtb-1'], AbortSignal.timeout(100)),
    ).rejects.toMatchObject({
      reason: 'OperationalRoleUnavailable',
      inert: true,
    });
    await expect(cluster.aws.awsApis.elbv2.describeTargetHealth(TG, AbortSignal.timeout(100))).rejects.toMatchObject({
      reason: 'AwsApiUnavailable',
      inert: true,
      message: expect.stringContaining('operational role not configured'),
    });
  });
});
