import { INSTANCE_QUEUE_PREFIX } from '../change-events/queue-name.js';
import { kinds } from '../../crds-equivalent/index.js';
/**
 * Least-privilege IAM documents for the instance role and the operational roles. Pure: `csgw iam policy` prints
 * them, and tests pin every action, resource and condition.
 */
import { specPath, storeMarkerPath, type GatewayPaths } from '../paths.js';
import {
  allow,
  arnBuilder,
  dnsSuffix,
  fencingTagKeys,
  ROLE_PERMISSIONS,
  type Arns,
  type ConditionBlock,
  type PolicyStatement,
} from './iam-statements.js';
import {
  cfHandlerRoleName,
  FEATURES,
  featuresOfRole,
  findFeature,
  instanceRoleName,
  OPERATIONAL_ROLE_NUMBERS,
  operationalRoleArn,
  operationalRoleName,
  operationalRoleNamePrefix,
  type OperationalRoleNumber,
  type Partition,
} from './operational-role.js';

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Stands for the external id in trust policies: the real one is a secret and never printed. */
export const EXTERNAL_ID_PLACEHOLDER = '${ExternalId}';

export interface RolePolicies {
  roleName: string;
  role: 'base' | OperationalRoleNumber;
  features: string[];
  purpose: string;
  /** planned: the feature is not built yet; the role and policy are documented so deployments can prepare them. */
  status: 'active' | 'planned';
  permissions: PolicyDocument;
  /** Operational roles only: the instance role's trust is the deployment's standard EC2 one. */
  trust?: PolicyDocument;
}

export interface PolicyInput {
  partition: Partition;
  region: string;
  /** The account the operational roles live in (a member account, or the home account). */
  accountId: string;
  /** The manager's account: the instance role and the trusted principals live here. Default: accountId. */
  homeAccountId?: string;
  /** When set, trust also requires the caller to belong to this AWS Organization. */
  organizationId?: string;
  /** The SecureString parameter holding the external id, which the instance role must read. */
  externalIdParameter?: string;
  paths: GatewayPaths;
  /** `<name>` from stackResourceName. */
  name: string;
  /** Only the role this feature runs under. */
  feature?: string;
}

/** The policies of every role, or of the one role input.feature runs under. */
export function policyDocuments(input: PolicyInput): RolePolicies[] {
  const all = [basePolicies(input), ...OPERATIONAL_ROLE_NUMBERS.map((n) => operationalPolicies(input, n))];
  if (input.feature === undefined) return all;
  const feature = findFeature(input.feature);
  if (!feature) throw new Error(`unknown feature "${input.feature}"`);
  return all.filter((r) => r.role === feature.role);
}

function basePolicies(input: PolicyInput): RolePolicies {
  return {
    roleName: instanceRoleName(input.name),
    role: 'base',
    features: baseFeatureIds(),
    purpose: 'boot, leader election, master Elastic IP, source/dest check and primary-interface NAT',
    status: 'active',
    permissions: { Version: '2012-10-17', Statement: baseStatements(input) },
  };
}

function operationalPolicies(input: PolicyInput, n: OperationalRoleNumber): RolePolicies {
  const features = featuresOfRole(n);
  const arns = arnBuilder(input.partition, input.region, input.accountId);
  return {
    roleName: operationalRoleName(input.name, n),
    role: n,
    features: features.map((f) => f.id),
    purpose: features.map((f) => f.title).join('; '),
    // Active as soon as one of its features is built: deployments must create it then.
    status: features.every((f) => f.planned) ? 'planned' : 'active',
    permissions: { Version: '2012-10-17', Statement: ROLE_PERMISSIONS[n](arns, input.name) },
    trust: trustPolicy(input),
  };
}

function baseFeatureIds(): string[] {
  return FEATURES.filter((f) => f.role === 'base').map((f) => f.id);
}

function baseStatements(input: PolicyInput): PolicyStatement[] {
  const home = input.homeAccountId ?? input.accountId;
  const arns = arnBuilder(input.partition, input.region, home);
  const { specRoot, leaseRoot, statusRoot } = input.paths;
  const decryptable = [arns.parameter(`${specRoot}/*`)];
  const statements: PolicyStatement[] = [
    allow('ReadSpecs', ['ssm:GetParametersByPath'], [arns.parameter(specRoot), arns.parameter(`${specRoot}/*`)]),
    allow(
      'Leases',
      ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter', 'ssm:GetParameterHistory'],
      arns.parameter(`${leaseRoot}/*`),
    ),
    allow('WriteStatus', ['ssm:PutParameter'], arns.parameter(`${statusRoot}/*`)),
    // `csgw run --bootstrap-defaults` creates these once (PutParameter without Overwrite), and the first operator
    // of a gateway creates its store identity marker (csgw adopt reads it back); no other spec is writable.
    allow(
      'BootstrapDefaults',
      ['ssm:PutParameter'],
      [
        ...kinds.flatMap((k) => (k.bootstrap ? [arns.parameter(specPath(input.paths, k, k.bootstrap.name))] : [])),
        arns.parameter(storeMarkerPath(input.paths)),
      ],
    ),
    allow('ReadStoreIdentity', ['ssm:GetParameter'], arns.parameter(storeMarkerPath(input.paths))),
    // csgw run long-polls its own queue of SSM change events (docs/operations.md); deleting covers the batch form.
    allow(
      'ChangeEvents',
      ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      arns.service('sqs', `${INSTANCE_QUEUE_PREFIX}*`),
    ),
  ];
  if (input.externalIdParameter !== undefined) {
    const parameter = arns.parameter(input.externalIdParameter);
    statements.push(allow('ReadExternalId', ['ssm:GetParameter'], parameter));
    decryptable.push(parameter);
  }
  return [
    ...statements,
    decryptStatement(input, arns, decryptable),
    ...ec2BaseStatements(arns),
    assumeStatement(input),
  ];
}

/** SecureString specs: KMS decrypts only for SSM, and only for our own parameters (SSM's encryption context). */
function decryptStatement(input: PolicyInput, arns: Arns, parameters: string[]): PolicyStatement {
  return allow('DecryptSecureStrings', ['kms:Decrypt'], arns.service('kms', 'key/*'), {
    StringEquals: { 'kms:ViaService': `ssm.${input.region}.${dnsSuffix(input.partition)}` },
    StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameters },
  });
}

function ec2BaseStatements(arns: Arns): PolicyStatement[] {
  return [
    // Describe actions support no resource-level permissions.
    allow('Describe', ['ec2:DescribeAddresses', 'ec2:DescribeNetworkInterfaces'], '*'),
    allow('AssociateMasterAddress', ['ec2:AssociateAddress'], [arns.ec2('elastic-ip'), arns.ec2('network-interface')]),
    allow('SourceDestCheck', ['ec2:ModifyNetworkInterfaceAttribute'], arns.ec2('network-interface')),
    allow('FencingTags', ['ec2:CreateTags'], [arns.ec2('elastic-ip'), arns.ec2('network-interface')], fencingTagKeys()),
  ];
}

/** Member accounts are unknown here: any account's role of our name, each admitting us by its own trust policy. */
function assumeStatement(input: PolicyInput): PolicyStatement {
  const resource = `arn:${input.partition}:iam::*:role/${operationalRoleNamePrefix(input.name)}*`;
  const org = input.organizationId;
  return allow(
    'AssumeOperationalRoles',
    ['sts:AssumeRole'],
    resource,
    org === undefined ? undefined : { StringEquals: { 'aws:ResourceOrgID': org } },
  );
}

function trustPolicy(input: PolicyInput): PolicyDocument {
  const home = input.homeAccountId ?? input.accountId;
  const principals = [instanceRoleName(input.name), cfHandlerRoleName(input.name)].map((role) =>
    operationalRoleArn(home, role, input.partition),
  );
  const condition: Record<string, string> = { 'sts:ExternalId': EXTERNAL_ID_PLACEHOLDER };
  if (input.organizationId !== undefined) condition['aws:PrincipalOrgID'] = input.organizationId;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GatewayRoles',
        Effect: 'Allow',
        Principal: { AWS: principals },
        Action: ['sts:AssumeRole'],
        Condition: { StringEquals: condition },
      },
    ],
  };
}

export type { ConditionBlock, PolicyStatement };
