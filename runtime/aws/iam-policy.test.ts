import { describe, expect, it } from '@jest/globals';
import { gatewayPaths } from '../paths.js';
import {
  EXTERNAL_ID_PLACEHOLDER,
  policyDocuments,
  type PolicyInput,
  type PolicyStatement,
  type RolePolicies,
} from './iam-policy.js';

const NAME = 'cloudspectra-gw-prod-8f3e2a1b';
const INPUT: PolicyInput = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '123456789012',
  paths: gatewayPaths('/cloudspectra', 'default'),
  name: NAME,
};
const PARAM = 'arn:aws:ssm:eu-west-1:123456789012:parameter/cloudspectra/default';

function role(roles: RolePolicies[], roleName: string): RolePolicies {
  const found = roles.find((r) => r.roleName === roleName);
  if (!found) throw new Error(`no role ${roleName}`);
  return found;
}

function statement(r: RolePolicies, sid: string): PolicyStatement {
  const found = r.permissions.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${r.roleName}`);
  return found;
}

const base = (input: PolicyInput = INPUT): RolePolicies => role(policyDocuments(input), `${NAME}-instance`);

describe('policyDocuments: the instance role', () => {
  it('reads specs, keeps leases and writes status, each only under its own path', () => {
    const r = base();
    expect(statement(r, 'ReadSpecs')).toEqual({
      Sid: 'ReadSpecs',
      Effect: 'Allow',
      Action: ['ssm:GetParametersByPath'],
      Resource: [`${PARAM}/spec`, `${PARAM}/spec/*`],
    });
    expect(statement(r, 'Leases')).toMatchObject({
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter', 'ssm:GetParameterHistory'],
      Resource: `${PARAM}/leases/*`,
    });
    expect(statement(r, 'WriteStatus')).toMatchObject({ Action: ['ssm:PutParameter'], Resource: `${PARAM}/status/*` });
    // The first operator of a gateway creates its store identity marker; csgw adopt reads it back.
    expect(statement(r, 'BootstrapDefaults').Resource).toContain(`${PARAM}/spec/store-identity`);
    expect(statement(r, 'ReadStoreIdentity')).toMatchObject({
      Action: ['ssm:GetParameter'],
      Resource: `${PARAM}/spec/store-identity`,
    });
    const ssmWrites = r.permissions.Statement.filter((s) => s.Action.includes('ssm:PutParameter')).flatMap(
      (s) => s.Resource,
    );
    expect(ssmWrites).not.toContain(`${PARAM}/spec/*`);
  });

  it('decrypts SecureStrings only through SSM and only for our parameters', () => {
    expect(statement(base(), 'DecryptSecureStrings')).toEqual({
      Sid: 'DecryptSecureStrings',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
      Condition: {
        StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [`${PARAM}/spec/*`] },
      },
    });
  });

  it('reads the external id parameter when one is named', () => {
    const r = base({ ...INPUT, externalIdParameter: '/cloudspectra/external-id' });
    const parameter = 'arn:aws:ssm:eu-west-1:123456789012:parameter/cloudspectra/external-id';
    expect(statement(r, 'ReadExternalId')).toMatchObject({ Action: ['ssm:GetParameter'], Resource: parameter });
    expect(statement(r, 'DecryptSecureStrings').Condition?.StringLike).toEqual({
      'kms:EncryptionContext:PARAMETER_ARN': [`${PARAM}/spec/*`, parameter],
    });
    expect(() => statement(base(), 'ReadExternalId')).toThrow();
  });

  it('uses EC2 only for the base features, with Describe on "*" and writes scoped to the account', () => {
    const r = base();
    const ec2 = 'arn:aws:ec2:eu-west-1:123456789012';
    expect(statement(r, 'Describe')).toMatchObject({
      Action: ['ec2:DescribeAddresses', 'ec2:DescribeNetworkInterfaces'],
      Resource: '*',
    });
    expect(statement(r, 'AssociateMasterAddress')).toMatchObject({
      Action: ['ec2:AssociateAddress'],
      Resource: [`${ec2}:elastic-ip/*`, `${ec2}:network-interface/*`],
    });
    expect(statement(r, 'SourceDestCheck')).toMatchObject({ Resource: `${ec2}:network-interface/*` });
    expect(statement(r, 'FencingTags').Condition).toEqual({
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['cloudspectra:lease-holder', 'cloudspectra:lease-epoch', 'cloudspectra:lease-scope'],
      },
    });
    const actions = r.permissions.Statement.flatMap((s) => s.Action);
    expect(actions).not.toContain('ec2:CreateRoute');
    expect(actions).not.toContain('ec2:ReplaceRoute');
    expect(actions).not.toContain('ec2:DescribeRouteTables');
  });

  it('may assume only the operational roles of its own name, in any account', () => {
    expect(statement(base(), 'AssumeOperationalRoles')).toEqual({
      Sid: 'AssumeOperationalRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: `arn:aws:iam::*:role/${NAME}-cross-account-role*`,
    });
    expect(statement(base({ ...INPUT, organizationId: 'o-abc123def4' }), 'AssumeOperationalRoles').Condition).toEqual({
      StringEquals: { 'aws:ResourceOrgID': 'o-abc123def4' },
    });
  });

  it('lists the base features and has no trust policy of its own', () => {
    expect(base()).toMatchObject({
      role: 'base',
      status: 'active',
      features: ['leader-election', 'elastic-ip', 'source-dest-check', 'source-nat'],
    });
    expect(base().trust).toBeUndefined();
  });
});

describe('policyDocuments: operational roles', () => {
  it('gives role 1 exactly the route-table actions, and marks only the roles without a built feature planned', () => {
    const roles = policyDocuments(INPUT);
    const r1 = role(roles, `${NAME}-cross-account-role1`);
    expect(r1).toMatchObject({ role: 1, features: ['az-routes'], status: 'active' });
    expect(r1.permissions.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      [['ec2:DescribeRouteTables'], '*'],
      [['ec2:CreateRoute', 'ec2:ReplaceRoute'], 'arn:aws:ec2:eu-west-1:123456789012:route-table/*'],
      [['ec2:CreateTags'], 'arn:aws:ec2:eu-west-1:123456789012:route-table/*'],
    ]);
    expect(roles.map((r) => [r.role, r.status])).toEqual([
      ['base', 'active'],
      [1, 'active'],
      [2, 'planned'],
      [3, 'active'],
      [4, 'active'],
      [5, 'planned'],
      [6, 'planned'],
      [7, 'active'],
    ]);
  });

  it('lets role 3 read target health and resolve instance targets, for the LoadBalancer kind', () => {
    const [r3] = policyDocuments({ ...INPUT, feature: 'load-balancer' });
    expect(r3).toMatchObject({
      roleName: `${NAME}-cross-account-role3`,
      features: ['gateway-load-balancer', 'load-balancer'],
      status: 'active',
    });
    const describe = r3!.permissions.Statement.find((s) => s.Sid === 'Describe');
    expect(describe?.Resource).toBe('*');
    expect(describe?.Action).toEqual(
      expect.arrayContaining(['elasticloadbalancing:DescribeTargetHealth', 'ec2:DescribeInstances']),
    );
  });

  it('lets role 4 describe and export only ACM certificates of its account and region, for TlsTermination', () => {
    const [r4] = policyDocuments({ ...INPUT, accountId: '210987654321', feature: 'tls-termination' });
    expect(r4).toMatchObject({ features: ['eip-pool-dns', 'tls-termination'], status: 'active' });
    const acm = r4!.permissions.Statement.filter((s) => s.Action.some((a) => a.startsWith('acm:')));
    expect(acm.map((s) => [s.Action, s.Resource])).toEqual([
      [['ec2:DescribeAddresses', 'acm:ListCertificates', 'route53:ListHostedZones'], '*'],
      [['acm:DescribeCertificate', 'acm:ExportCertificate'], 'arn:aws:acm:eu-west-1:210987654321:certificate/*'],
    ]);
  });

  it('trusts the instance and handler roles of the home account, gated by the external id', () => {
    const r1 = policyDocuments({
      ...INPUT,
      accountId: '210987654321',
      homeAccountId: '123456789012',
      feature: 'az-routes',
    });
    expect(r1).toHaveLength(1);
    expect(r1[0]?.trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GatewayRoles',
          Effect: 'Allow',
          Principal: {
            AWS: [
              `arn:aws:iam::123456789012:role/${NAME}-instance`,
              `arn:aws:iam::123456789012:role/${NAME}-cf-handler-role`,
            ],
          },
          Action: ['sts:AssumeRole'],
          Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID_PLACEHOLDER } },
        },
      ],
    });
    // The permissions act on the member account's resources.
    expect(r1[0]?.permissions.Statement[1]?.Resource).toBe('arn:aws:ec2:eu-west-1:210987654321:route-table/*');
  });

  it('adds the organization condition to trust when an organization is given', () => {
    const [r] = policyDocuments({ ...INPUT, organizationId: 'o-abc123def4', feature: 'flow-logs' });
    expect(r?.trust?.Statement[0]?.Condition).toEqual({
      StringEquals: { 'sts:ExternalId': EXTERNAL_ID_PLACEHOLDER, 'aws:PrincipalOrgID': 'o-abc123def4' },
    });
  });

  it('scopes planned roles to resources of our name where the service allows it', () => {
    const roles = policyDocuments(INPUT);
    const resources = (n: number): unknown[] =>
      role(roles, `${NAME}-cross-account-role${n}`).permissions.Statement.flatMap((s) => s.Resource);
    expect(resources(5)).toContain(`arn:aws:sqs:eu-west-1:123456789012:${NAME}-*`);
    expect(resources(5)).toContain(`arn:aws:events:eu-west-1:123456789012:rule/${NAME}-*`);
    expect(resources(6)).toContain(
      `arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/${NAME}-*`,
    );
    const teardown = role(roles, `${NAME}-cross-account-role6`).permissions.Statement.find((s) => s.Sid === 'Teardown');
    expect(teardown?.Condition).toEqual({ StringLike: { 'aws:ResourceTag/aws:autoscaling:groupName': `${NAME}-*` } });
  });

  it('never grants wildcard actions, and uses "*" resources only for read-only calls', () => {
    for (const r of policyDocuments(INPUT)) {
      for (const s of r.permissions.Statement) {
        expect(s.Action.every((a) => /^[a-z0-9-]+:[A-Za-z]+$/.test(a))).toBe(true);
        if (s.Resource === '*') expect(s.Action.every((a) => /:(Describe|List|Get)/.test(a))).toBe(true);
      }
    }
  });

  it('uses the partition in every ARN and its DNS suffix for the KMS condition', () => {
    const docs = JSON.stringify(policyDocuments({ ...INPUT, partition: 'aws-cn', region: 'cn-north-1' }));
    expect(docs).not.toMatch(/arn:aws:/);
    expect(docs).toContain('arn:aws-cn:iam::123456789012:role/');
    expect(docs).toContain('"kms:ViaService":"ssm.cn-north-1.amazonaws.com.cn"');
  });

  it('selects the role of one feature, the instance role for base features, and rejects unknown ones', () => {
    expect(policyDocuments({ ...INPUT, feature: 'source-nat' }).map((r) => r.roleName)).toEqual([`${NAME}-instance`]);
    expect(policyDocuments({ ...INPUT, feature: 'ai-gateway' }).map((r) => r.roleName)).toEqual([
      `${NAME}-cross-account-role7`,
    ]);
    expect(() => policyDocuments({ ...INPUT, feature: 'teleport' })).toThrow('unknown feature "teleport"');
  });
});
