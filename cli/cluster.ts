import type { Command } from 'commander';
import { identityFromOverrides, readInstanceIdentity } from '../adapters/aws/imds.js';
import { DEFAULT_RESOURCE_PREFIX } from '../runtime/aws/operational-role.js';
import type { InstanceIdentity } from '../runtime/aws/ports.js';
import { checkLeaseTiming, DEFAULT_LEASE_TIMING, type LeaseTiming } from '../runtime/lease/timing.js';
import { isValidResourceName } from '../runtime/paths.js';
import { defaultInstanceId } from '../runtime/config.js';
import type { ClusterSettings } from '../composition/cluster.js';
import { CliError, type CliContext } from './context.js';

/** `csgw run` options for the EC2 identity, the operational role and the leases. */
export interface ClusterOptions {
  imds: string;
  resourcePrefix: string;
  managerStackName?: string;
  managerStackId?: string;
  externalIdParameter?: string;
  leaseDuration: string;
  leaseRenewDeadline: string;
  leaseRetryPeriod: string;
}

export function addClusterOptions(command: Command, ctx: CliContext): Command {
  const env = ctx.env;
  const secs = (ms: number): string => String(ms / 1000);
  return command
    .option('--imds <url|off>', 'instance metadata (IMDSv2) for the EC2 identity; env CSGW_IMDS', env.CSGW_IMDS ?? IMDS)
    .option('--resource-prefix <prefix>', 'resource-name prefix of the operational roles', DEFAULT_RESOURCE_PREFIX)
    .option(
      '--manager-stack-name <name>',
      'manager stack name; env CSGW_MANAGER_STACK_NAME',
      env.CSGW_MANAGER_STACK_NAME,
    )
    .option('--manager-stack-id <arn>', 'manager stack id; env CSGW_MANAGER_STACK_ID', env.CSGW_MANAGER_STACK_ID)
    .option(
      '--external-id-parameter <name>',
      "SecureString with the operational roles' external id; default <prefix>/<gateway>/config/external-id",
    )
    .option('--lease-duration <seconds>', 'lease duration', secs(DEFAULT_LEASE_TIMING.leaseDurationMs))
    .option('--lease-renew-deadline <seconds>', 'lease renew deadline', secs(DEFAULT_LEASE_TIMING.renewDeadlineMs))
    .option('--lease-retry-period <seconds>', 'lease retry period', secs(DEFAULT_LEASE_TIMING.retryPeriodMs));
}

const IMDS = 'http://169.254.169.254';

export function leaseTiming(opts: ClusterOptions): LeaseTiming {
  const ms = (v: string): number => Math.round(Number(v) * 1000);
  const timing = {
    leaseDurationMs: ms(opts.leaseDuration),
    renewDeadlineMs: ms(opts.leaseRenewDeadline),
    retryPeriodMs: ms(opts.leaseRetryPeriod),
  };
  const errors = checkLeaseTiming(timing);
  if (errors.length > 0) throw new CliError(`lease timing: ${errors.join('; ')}`);
  return timing;
}

/** The EC2 identity from CSGW_EC2_* overrides, else IMDSv2; a reason string when there is none. */
export async function resolveIdentity(ctx: CliContext, imds: string): Promise<InstanceIdentity | string> {
  let overridden: InstanceIdentity | undefined;
  try {
    overridden = identityFromOverrides(ctx.env);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (overridden) return overridden;
  if (imds === 'off') return 'no EC2 identity: IMDS is off (--imds off) and CSGW_EC2_* is not set';
  try {
    return await readInstanceIdentity({ baseUrl: imds, timeoutMs: 2_000 });
  } catch (err) {
    return `no EC2 identity: ${(err as Error).message}; set CSGW_EC2_* outside EC2`;
  }
}

/**
 * This instance's name (status parameter, lease holder): `explicit` (--instance-id, which defaults to
 * CSGW_INSTANCE_ID), else the EC2 instance id, else the host name.
 */
export function instanceIdFor(
  ctx: CliContext,
  explicit: string | undefined,
  identity: InstanceIdentity | string,
): string {
  const instanceId = explicit ?? (typeof identity === 'string' ? defaultInstanceId(ctx.env) : identity.instanceId);
  if (!isValidResourceName(instanceId))
    throw new CliError(`--instance-id "${instanceId}": use letters, digits, _ . - (it names an SSM parameter)`);
  return instanceId;
}

/** The cluster layer's settings from `csgw run`'s options and the global deadlines. */
export function clusterSettings(ctx: CliContext, opts: ClusterOptions): ClusterSettings {
  return {
    timing: leaseTiming(opts),
    resourcePrefix: opts.resourcePrefix,
    ...(opts.managerStackName ? { managerStackName: opts.managerStackName } : {}),
    ...(opts.managerStackId ? { managerStackId: opts.managerStackId } : {}),
    ...(opts.externalIdParameter ? { externalIdParameter: opts.externalIdParameter } : {}),
    timeouts: ctx.globals().timeouts,
  };
}
