import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  cfHandlerRoleName,
  FEATURES,
  featuresOfRole,
  findFeature,
  IAM_ROLE_NAME,
  instanceRoleName,
  OPERATIONAL_ROLE_NUMBERS,
  operationalRoleArn,
  operationalRoleName,
  parseStackArn,
  partitionOfRegion,
  stackResourceName,
} from './operational-role.js';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/gw-prod/8f3e2a1b-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

describe('feature catalogue', () => {
  it('runs every feature under one role, two built features beside planned ones on roles 3 and 4', () => {
    expect(OPERATIONAL_ROLE_NUMBERS.map((n) => featuresOfRole(n).map((f) => f.id))).toEqual([
      ['az-routes'],
      ['vpc-topology'],
      ['gateway-load-balancer', 'load-balancer'],
      ['eip-pool-dns', 'tls-termination'],
      ['flow-logs'],
      ['scaling-lifecycle'],
      ['ai-gateway'],
    ]);
    expect(FEATURES.filter((f) => f.role === 'base').map((f) => f.id)).toEqual([
      'leader-election',
      'elastic-ip',
      'source-dest-check',
      'source-nat',
    ]);
    expect(new Set(FEATURES.map((f) => f.id)).size).toBe(FEATURES.length);
  });

  it('marks the features not built yet as planned', () => {
    expect(FEATURES.filter((f) => f.planned).map((f) => f.id)).toEqual([
      'vpc-topology',
      'gateway-load-balancer',
      'eip-pool-dns',
      'flow-logs',
      'scaling-lifecycle',
    ]);
    expect(findFeature('az-routes')).toMatchObject({ role: 1, planned: false });
    expect(findFeature('load-balancer')).toMatchObject({ role: 3, planned: false });
    expect(findFeature('tls-termination')).toMatchObject({ role: 4, planned: false });
    expect(findFeature('nope')).toBeUndefined();
  });
});

describe('parseStackArn', () => {
  it('reads partition, region, account, name and the UUID head', () => {
    expect(parseStackArn(STACK_ID)).toEqual({
      partition: 'aws',
      region: 'us-east-1',
      accountId: '123456789012',
      stackName: 'gw-prod',
      uuidHead: '8f3e2a1b',
    });
    expect(
      parseStackArn('arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/8F3E2A1B-1C2D-4E5F-8A9B-0C1D2E3F4A5B'),
    ).toMatchObject({ partition: 'aws-cn', uuidHead: '8f3e2a1b' });
  });

  it.each([
    ['not an ARN', 'gw-prod'],
    ['another service', 'arn:aws:iam::123456789012:role/x'],
    ['a short account', 'arn:aws:cloudformation:us-east-1:1234:stack/gw/8f3e2a1b-1c2d-4e5f-8a9b-0c1d2e3f4a5b'],
    ['no UUID', 'arn:aws:cloudformation:us-east-1:123456789012:stack/gw-prod'],
    ['a stack name starting with a digit', STACK_ID.replace('gw-prod', '1gw')],
    ['a region outside the partition', STACK_ID.replace('us-east-1', 'cn-north-1')],
  ])('rejects %s', (_label, arn) => {
    expect(() => parseStackArn(arn)).toThrow(/invalid manager stack id/);
  });
});

describe('partitionOfRegion', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-central-2', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['US-EAST-1', undefined],
    ['us-isob-east-1', undefined],
  ])('%s -> %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });
});

describe('stackResourceName and role names', () => {
  it('joins prefix, stack name and the UUID head, lower-cased', () => {
    const name = stackResourceName({ prefix: 'CloudSpectra', managerStackName: 'gw-prod', managerStackId: STACK_ID });
    expect(name).toBe('cloudspectra-gw-prod-8f3e2a1b');
    expect(operationalRoleName(name, 1)).toBe('cloudspectra-gw-prod-8f3e2a1b-cross-account-role1');
    expect(instanceRoleName(name)).toBe('cloudspectra-gw-prod-8f3e2a1b-instance');
    expect(cfHandlerRoleName(name)).toBe('cloudspectra-gw-prod-8f3e2a1b-cf-handler-role');
  });

  it('clips long stack names to fit the longest role name, without leaving a double hyphen', () => {
    const name = (stackName: string): string =>
      stackResourceName({
        prefix: 'cloudspectra',
        managerStackName: stackName,
        managerStackId: STACK_ID.replace('gw-prod', stackName),
      });
    expect(name('a'.repeat(100))).toBe(`cloudspectra-${'a'.repeat(22)}-8f3e2a1b`);
    expect(operationalRoleName(name('a'.repeat(100)), 7)).toHaveLength(64);
    // The clip lands right after a hyphen: it is dropped rather than doubled.
    expect(name(`${'a'.repeat(21)}-bbbb`)).toBe(`cloudspectra-${'a'.repeat(21)}-8f3e2a1b`);
  });

  it('rejects a stack name that is not the one in the stack id, and a bad prefix', () => {
    expect(() =>
      stackResourceName({ prefix: 'cloudspectra', managerStackName: 'other', managerStackId: STACK_ID }),
    ).toThrow('manager stack name "other" does not match the stack id, which names "gw-prod"');
    expect(() => stackResourceName({ prefix: '-x', managerStackName: 'gw-prod', managerStackId: STACK_ID })).toThrow(
      /invalid resource prefix/,
    );
    expect(() =>
      stackResourceName({ prefix: 'p'.repeat(21), managerStackName: 'gw-prod', managerStackId: STACK_ID }),
    ).toThrow(/invalid resource prefix/);
  });

  it('always yields valid IAM role names of at most 64 characters', () => {
    const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
    const inner = fc.string({ unit: fc.oneof(alnum, fc.constant('-')), maxLength: 127 });
    const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzXYZ'.split(''));
    const stackName = fc.tuple(letter, inner).map(([a, b]) => a + b);
    const prefix = fc.tuple(alnum, fc.string({ unit: fc.oneof(alnum, fc.constant('-')), maxLength: 19 }));
    const uuid = fc.uuid();
    fc.assert(
      fc.property(stackName, prefix, uuid, (stack, [p0, p1], id) => {
        const managerStackId = `arn:aws:cloudformation:eu-west-1:123456789012:stack/${stack}/${id}`;
        const name = stackResourceName({ prefix: p0 + p1, managerStackName: stack, managerStackId });
        expect(name).toMatch(/^[a-z0-9-]+-[0-9a-f]{8}$/);
        expect(name).not.toMatch(/--[0-9a-f]{8}$/);
        for (const role of [...OPERATIONAL_ROLE_NUMBERS.map((n) => operationalRoleName(name, n))]) {
          expect(role.length).toBeLessThanOrEqual(64);
          expect(role).toMatch(IAM_ROLE_NAME);
        }
        expect(cfHandlerRoleName(name).length).toBeLessThanOrEqual(64);
      }),
    );
  });
});

describe('operationalRoleArn', () => {
  it('builds the ARN in the given partition and account', () => {
    expect(operationalRoleArn('210987654321', 'x-cross-account-role1', 'aws-us-gov')).toBe(
      'arn:aws-us-gov:iam::210987654321:role/x-cross-account-role1',
    );
  });

  it('rejects bad accounts, partitions and role names', () => {
    expect(() => operationalRoleArn('12345', 'r', 'aws')).toThrow(/invalid account id/);
    expect(() => operationalRoleArn('123456789012', 'r', 'aws-iso' as 'aws')).toThrow(/invalid partition/);
    expect(() => operationalRoleArn('123456789012', 'a/b', 'aws')).toThrow(/invalid IAM role name/);
  });
});
