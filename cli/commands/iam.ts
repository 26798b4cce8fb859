import type { Command } from 'commander';
import {
  EXTERNAL_ID_PLACEHOLDER,
  policyDocuments,
  type PolicyInput,
  type RolePolicies,
} from '../../runtime/aws/iam-policy.js';
import {
  DEFAULT_RESOURCE_PREFIX,
  FEATURES,
  findFeature,
  isAccountId,
  parseStackArn,
  partitionOfRegion,
  stackResourceName,
  type FeatureDefinition,
  type StackArn,
} from '../../runtime/aws/operational-role.js';
import { externalIdPath } from '../../runtime/paths.js';
import { CliError, currentPaths, errorMessage, type CliContext } from '../context.js';

interface PolicyOptions {
  feature?: string;
  accountId?: string;
  partition?: string;
  managerStackId?: string;
  managerStackName?: string;
  resourcePrefix: string;
  organizationId?: string;
  externalIdParameter?: string;
  trust?: boolean;
}

const POLICY_HELP = `
Prints JSON: for one --feature, the document of the role that feature runs under (ready for aws iam
put-role-policy, or with --trust for the role's trust policy); otherwise an object keyed by role name.
Role names derive from --resource-prefix and the manager stack, exactly as the gateway rebuilds them at runtime.
Trust policies hold the placeholder ${EXTERNAL_ID_PLACEHOLDER} where the external id goes: csgw never prints it.
The global --region (default: the stack's region) and --prefix/--gateway (the SSM paths) apply.

Example:
  csgw iam policy --manager-stack-id arn:aws:cloudformation:us-east-1:123456789012:stack/gw/<uuid> --feature az-routes`;

export function registerIam(program: Command, ctx: CliContext): void {
  const iam = program.command('iam').description('the IAM roles and policies the gateway needs');
  iam
    .command('policy')
    .description('print least-privilege IAM policies for the instance role and the operational roles')
    .option('--feature <id>', `only the role this feature runs under: ${FEATURES.map((f) => f.id).join(', ')}`)
    .option('--manager-stack-id <arn>', "the manager stack's ID (its CloudFormation ARN); required")
    .option('--manager-stack-name <name>', 'the manager stack name (default: the one in --manager-stack-id)')
    .option('--account-id <id>', "account the operational roles live in (default: the manager stack's)")
    .option('--partition <partition>', "aws, aws-cn or aws-us-gov (default: the manager stack's)")
    .option('--resource-prefix <prefix>', 'the resource-name prefix of the deployment', DEFAULT_RESOURCE_PREFIX)
    .option('--organization-id <id>', 'also require callers and roles to be in this AWS Organization')
    .option(
      '--external-id-parameter <name>',
      'the SSM parameter holding the external id (the instance reads it); default <prefix>/<gateway>/config/external-id',
    )
    .option('--trust', 'print trust policies instead of permission policies')
    .addHelpText('after', POLICY_HELP)
    .action((opts: PolicyOptions) => printPolicies(ctx, opts));
}

function printPolicies(ctx: CliContext, opts: PolicyOptions): void {
  const feature = opts.feature === undefined ? undefined : requireFeature(opts.feature);
  const roles = policyDocuments(policyInput(ctx, opts));
  if (!feature) {
    ctx.stdout.write(json(opts.trust ? trustByRole(roles) : byRole(roles)));
    return;
  }
  const [role] = roles;
  if (!role) throw new CliError(`no role found for feature "${feature.id}"`);
  if (opts.trust && !role.trust) {
    throw new CliError(
      `feature "${feature.id}" runs on the instance role, which EC2 assumes: --trust applies to operational features`,
    );
  }
  if (feature.planned) {
    ctx.stderr.write(`note: "${feature.id}" is planned, not built yet: ${role.roleName} is documented ahead of it\n`);
  }
  ctx.stdout.write(json(opts.trust ? role.trust : role.permissions));
}

function requireFeature(id: string): FeatureDefinition {
  const feature = findFeature(id);
  if (!feature) throw new CliError(`unknown feature "${id}"; known features: ${FEATURES.map((f) => f.id).join(', ')}`);
  return feature;
}

function policyInput(ctx: CliContext, opts: PolicyOptions): PolicyInput {
  const stackId = opts.managerStackId;
  if (stackId === undefined) throw new CliError('--manager-stack-id is required');
  const stack = orCliError(() => parseStackArn(stackId));
  const region = ctx.globals().region ?? stack.region;
  const partition = checkPartition(opts.partition, region, stack);
  const accountId = opts.accountId ?? stack.accountId;
  if (!isAccountId(accountId)) throw new CliError(`invalid --account-id "${accountId}": expected 12 digits`);
  const name = orCliError(() =>
    stackResourceName({
      prefix: opts.resourcePrefix,
      managerStackName: opts.managerStackName ?? stack.stackName,
      managerStackId: stackId,
    }),
  );
  return {
    partition,
    region,
    accountId,
    homeAccountId: stack.accountId,
    organizationId: checkOrganizationId(opts.organizationId),
    externalIdParameter: checkParameterName(opts.externalIdParameter) ?? externalIdPath(currentPaths(ctx)),
    paths: orCliError(() => currentPaths(ctx)),
    name,
    feature: opts.feature,
  };
}

/** Roles trust principals of the manager's partition only: IAM never trusts across partitions. */
function checkPartition(flag: string | undefined, region: string, stack: StackArn): StackArn['partition'] {
  const regionPartition = partitionOfRegion(region);
  if (regionPartition === undefined) throw new CliError(`invalid --region "${region}"`);
  if (flag !== undefined && flag !== stack.partition) {
    throw new CliError(`--partition ${flag} does not match the manager stack's partition ${stack.partition}`);
  }
  if (regionPartition !== stack.partition) {
    throw new CliError(`region ${region} is not in the manager stack's partition ${stack.partition}`);
  }
  return stack.partition;
}

function checkOrganizationId(id: string | undefined): string | undefined {
  if (id !== undefined && !/^o-[a-z0-9]{10,32}$/.test(id)) {
    throw new CliError(`invalid --organization-id "${id}": expected o- followed by 10-32 lower-case letters or digits`);
  }
  return id;
}

function checkParameterName(name: string | undefined): string | undefined {
  if (name !== undefined && !/^(\/[A-Za-z0-9_.-]+)+$/.test(name)) {
    throw new CliError(`invalid --external-id-parameter "${name}": expected a path such as /cloudspectra/external-id`);
  }
  return name;
}

function orCliError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new CliError(errorMessage(err));
  }
}

function byRole(roles: readonly RolePolicies[]): Record<string, Omit<RolePolicies, 'roleName'>> {
  return Object.fromEntries(roles.map(({ roleName, ...rest }) => [roleName, rest]));
}

function trustByRole(roles: readonly RolePolicies[]): Record<string, unknown> {
  return Object.fromEntries(roles.flatMap((r) => (r.trust ? [[r.roleName, r.trust]] : [])));
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
