import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCsgw } from '../testing/cli-harness.js';
import { leaseTiming, resolveIdentity, type ClusterOptions } from './cluster.js';
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
