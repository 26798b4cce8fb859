import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCsgw } from '../testing/cli-harness.js';
import { SSMClient } from '@aws-sdk/client-ssm';
import { pino } from 'pino';
import { EventRecorder } from '../runtime/event-recorder.js';
import { gatewayPaths } from '../runtime/paths.js';
import { leaseTiming, resolveIdentity, setUpCluster, type ClusterOptions } from './cluster.js';
import type { CliContext } from './context.js';

const OPTS: ClusterOptions = {
  imds: 'off',
  resourcePrefix: 'cloudspectra',
  leaseDuration: '3',
  leaseRenewDeadline: '2.6',
  leaseRetryPeriod: '2',
};

const IDENTITY_ENV = {
  CSGW_EC2_INSTANCE_ID: 'i-0123456789abcdef0',
  CSGW_EC2_REGION: 'us-east-1',
  CSGW_EC2_AZ: 'us-east-1a',
  CSGW_EC2_AZ_ID: 'use1-az1',
  CSGW_EC2_ENI_ID: 'eni-0123456789abcdef0',
  CSGW_EC2_ACCOUNT_ID: '123456789012',
};

const ctxWith = (env: Record<string, string>): CliContext => ({ env }) as unknown as CliContext;

function deps(): Parameters<typeof setUpCluster>[2] {
  return {
    ssm: new SSMClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
    paths: gatewayPaths('/cloudspectra', 'test'),
    holder: 'i-0123456789abcdef0',
    events: new EventRecorder('t', () => new Date()),
    logger: pino({ level: 'silent' }),
  };
}

describe('resolveIdentity', () => {
  it('takes CSGW_EC2_* overrides without asking IMDS', async () => {
    await expect(resolveIdentity(ctxWith(IDENTITY_ENV), 'http://127.0.0.1:9')).resolves.toMatchObject({
      instanceId: 'i-0123456789abcdef0',
      availabilityZoneId: 'use1-az1',
    });
  });

  it('explains why there is no identity when IMDS is off', async () => {
    await expect(resolveIdentity(ctxWith({}), 'off')).resolves.toMatch(/IMDS is off/);
  });

  it('rejects half-set overrides instead of guessing', async () => {
    await expect(resolveIdentity(ctxWith({ CSGW_EC2_REGION: 'us-east-1' }), 'off')).rejects.toThrow(/CSGW_EC2_/);
  });
});

describe('setUpCluster', () => {
  it('runs no elector without an EC2 identity, and says why', () => {
    const cluster = setUpCluster(OPTS, 'no EC2 identity: test', deps());
    expect(cluster.aws).toEqual({ unavailable: 'no EC2 identity: test' });
    expect([...cluster.leases.keys()]).toEqual([]);
  });

  it('elects in the cluster scope and the AZ of the identity', async () => {
    const identity = await resolveIdentity(ctxWith(IDENTITY_ENV), 'off');
    const cluster = setUpCluster(OPTS, identity, deps());
    expect([...cluster.leases.keys()]).toEqual(['cluster', 'az/use1-az1']);
    const aws = cluster.aws;
    if ('unavailable' in aws) throw new Error('expected EC2 facts');
    expect(aws.leases.az.scope).toBe('az/use1-az1');
    expect(() => aws.leases.cluster.assertHeld()).toThrow(/does not hold the cluster lease/);
  });

  it('never falls back to the instance role when the operational role is not configured', async () => {
    const identity = await resolveIdentity(ctxWith(IDENTITY_ENV), 'off');
    const cluster = setUpCluster(OPTS, identity, deps());
    if ('unavailable' in cluster.aws) throw new Error('expected EC2 facts');
    await expect(
      cluster.aws.operationalEc2().describeRouteTables(['rtb-1'], AbortSignal.timeout(100)),
    ).rejects.toMatchObject({
      reason: 'OperationalRoleUnavailable',
      inert: true,
    });
  });
});

describe('leaseTiming', () => {
  it('turns seconds into the checked timing', () => {
    expect(leaseTiming(OPTS)).toEqual({ leaseDurationMs: 3000, renewDeadlineMs: 2600, retryPeriodMs: 2000 });
  });

  it('refuses a timing that breaks client-go’s rules', () => {
    expect(() => leaseTiming({ ...OPTS, leaseDuration: '2.6' })).toThrow(/lease timing: lease duration must exceed/);
  });
});

describe('csgw run start-up errors', () => {
  it('exits with the error, not hanging on the embedded endpoint it started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csgw-run-'));
    try {
      const run = await runCsgw(
        ['--data-dir', dir, 'run', '--imds', 'off', '--admin-listen', 'off', '--manager-stack-name', 'm'],
        { env: { ...IDENTITY_ENV, HOME: dir, CSGW_MANAGER_STACK_ID: 'not-an-arn' } },
      );
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/stack/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
