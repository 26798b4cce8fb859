/**
 * The operational roles: which feature runs under which IAM role, and how role names are derived. Pure.
 *
 * The base instance role only boots, elects leaders, takes the master Elastic IP, disables source/dest check and
 * runs primary-interface NAT. Every other feature assumes `<name>-cross-account-role<N>` (one role per capability),
 * in the home account or a member account (same name, different account). The deployment creates these roles and
 * the gateway rebuilds their names here, so the derivation must never change.
 */

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';
export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];

export type OperationalRoleNumber = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const DEFAULT_RESOURCE_PREFIX = 'cloudspectra';

export interface FeatureDefinition {
  id: string;
  /** The documented purpose. */
  title: string;
  /** 'base': the instance role's own permissions; a number: the operational role the feature assumes. */
  role: 'base' | OperationalRoleNumber;
  /** Not built yet: its role is documented so deployments can create it ahead of the feature. */
  planned: boolean;
}

export const FEATURES = [
  { id: 'leader-election', title: 'leader election over SSM lease parameters', role: 'base', planned: false },
  { id: 'elastic-ip', title: 'master Elastic IP association', role: 'base', planned: false },
  { id: 'source-dest-check', title: 'source/destination check of the gateway interface', role: 'base', planned: false },
  { id: 'source-nat', title: 'primary-interface NAT', role: 'base', planned: false },
  { id: 'az-routes', title: 'per-AZ NAT data plane: route tables to our interfaces', role: 1, planned: false },
  { id: 'vpc-topology', title: 'core VPC topology and peering', role: 2, planned: true },
  { id: 'gateway-load-balancer', title: 'Gateway Load Balancer and per-AZ Auto Scaling', role: 3, planned: true },
  { id: 'load-balancer', title: 'L4 load balancer: NLB target group membership', role: 3, planned: false },
  { id: 'eip-pool-dns', title: 'Elastic IP pool DNS and ACM certificate export', role: 4, planned: true },
  { id: 'tls-termination', title: 'TLS termination: ACM certificate export', role: 4, planned: false },
  { id: 'flow-logs', title: 'VPC flow logs, EventBridge and SQS', role: 5, planned: true },
  { id: 'scaling-lifecycle', title: 'scaling, spot lifecycle and teardown', role: 6, planned: true },
  { id: 'ai-gateway', title: 'AI Gateway (Bedrock) and local vLLM', role: 7, planned: false },
] as const satisfies readonly FeatureDefinition[];

export type FeatureId = (typeof FEATURES)[number]['id'];

export function findFeature(id: string): FeatureDefinition | undefined {
  return (FEATURES as readonly FeatureDefinition[]).find((f) => f.id === id);
}

/**
 * The features that run under operational role n (one role per capability; a capability can serve several
 * features, e.g. role 3's load balancing serves the Gateway Load Balancer and the L4 LoadBalancer kind).
 */
export function featuresOfRole(n: OperationalRoleNumber): FeatureDefinition[] {
  const features = (FEATURES as readonly FeatureDefinition[]).filter((f) => f.role === n);
  if (features.length === 0) throw new Error(`no feature runs under operational role ${n}`);
  return features;
}

export const OPERATIONAL_ROLE_NUMBERS: readonly OperationalRoleNumber[] = [1, 2, 3, 4, 5, 6, 7];

/** IAM's role-name alphabet and limit. */
export const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_ROLE_NAME_MAX = 64;
const ROLE_SUFFIX = '-cross-account-role';
/** The longest suffix any derived role name gets: `-cross-account-role7`. */
const NAME_MAX = IAM_ROLE_NAME_MAX - `${ROLE_SUFFIX}7`.length;
const STACK_UUID_HEX = 8;
/** Room left for `<prefix>-<stack name>` once `-<8 hex>` is appended. */
const HEAD_MAX = NAME_MAX - STACK_UUID_HEX - 1;

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}$/;
const STACK_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):cloudformation:([a-z0-9-]+):([0-9]{12}):stack\/([^/]+)\/([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StackArn {
  partition: Partition;
  region: string;
  accountId: string;
  stackName: string;
  /** The first 8 hex digits of the stack's UUID, lower-cased. */
  uuidHead: string;
}

/** Parses a CloudFormation stack ID (its ARN); throws naming what is wrong. */
export function parseStackArn(arn: string): StackArn {
  const m = STACK_ARN.exec(arn);
  if (!m) {
    throw new Error(
      `invalid manager stack id "${arn}": expected arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>`,
    );
  }
  const [, partition = '', region = '', accountId = '', stackName = '', uuidHead = ''] = m;
  if (partitionOfRegion(region) !== partition.toLowerCase()) {
    throw new Error(`invalid manager stack id "${arn}": region ${region} is not in partition ${partition}`);
  }
  if (!STACK_NAME.test(stackName)) throw new Error(`invalid manager stack id "${arn}": bad stack name ${stackName}`);
  return {
    partition: partition.toLowerCase() as Partition,
    region,
    accountId,
    stackName,
    uuidHead: uuidHead.toLowerCase(),
  };
}

/** The partition a region belongs to, or undefined for a malformed region or one outside the supported partitions. */
export function partitionOfRegion(region: string): Partition | undefined {
  if (!REGION.test(region)) return undefined;
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

export interface StackNameInput {
  /** The resource-name prefix (default cloudspectra). */
  prefix: string;
  managerStackName: string;
  /** The manager stack's ID: its CloudFormation ARN. */
  managerStackId: string;
}

/**
 * `<name>`: `<prefix>-<stack name>` lower-cased and clipped, then `-<first 8 hex of the stack UUID>`. The UUID part
 * keeps two stacks of the same name (deleted and recreated) apart, and the clip keeps `<name>-cross-account-role7`
 * within IAM's 64 characters.
 */
export function stackResourceName(input: StackNameInput): string {
  if (!PREFIX.test(input.prefix)) {
    throw new Error(`invalid resource prefix "${input.prefix}": 1-20 letters, digits or -, not starting with -`);
  }
  const stack = parseStackArn(input.managerStackId);
  if (stack.stackName !== input.managerStackName) {
    throw new Error(
      `manager stack name "${input.managerStackName}" does not match the stack id, which names "${stack.stackName}"`,
    );
  }
  const head = `${input.prefix}-${stack.stackName}`.toLowerCase().slice(0, HEAD_MAX).replace(/-+$/, '');
  return `${head}-${stack.uuidHead}`;
}

export function operationalRoleName(name: string, n: OperationalRoleNumber): string {
  return checkedRoleName(`${name}${ROLE_SUFFIX}${n}`);
}

/** The base role every gateway instance runs with. */
export function instanceRoleName(name: string): string {
  return checkedRoleName(`${name}-instance`);
}

/** The role of the stack's custom-resource handler, which also acts through the operational roles. */
export function cfHandlerRoleName(name: string): string {
  return checkedRoleName(`${name}-cf-handler-role`);
}

/** Every operational role name starts with this: what the instance role may assume. */
export function operationalRoleNamePrefix(name: string): string {
  return `${name}${ROLE_SUFFIX}`;
}

export function operationalRoleArn(accountId: string, roleName: string, partition: Partition): string {
  if (!isAccountId(accountId)) throw new Error(`invalid account id "${accountId}": expected 12 digits`);
  if (!PARTITIONS.includes(partition)) throw new Error(`invalid partition "${String(partition)}"`);
  return `arn:${partition}:iam::${accountId}:role/${checkedRoleName(roleName)}`;
}

function checkedRoleName(roleName: string): string {
  if (!IAM_ROLE_NAME.test(roleName)) throw new Error(`invalid IAM role name "${roleName}"`);
  return roleName;
}
