import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import type { Observable } from 'rxjs';
import { createEc2Adapter, createEc2Client } from '../adapters/aws/ec2.js';
import { identityFromOverrides, readInstanceIdentity } from '../adapters/aws/imds.js';
import { createOperationalCredentials } from '../adapters/aws/sts-credentials.js';
import { createSsmLeaseStore } from '../adapters/ssm-lease-store.js';
import type { AwsFacts } from '../controllers/aws.js';
import type { Ec2For } from '../controllers/az-routes/index.js';
import { DEFAULT_RESOURCE_PREFIX } from '../runtime/aws/operational-role.js';
import type { Ec2Port, InstanceIdentity } from '../runtime/aws/ports.js';
import { ControllerError } from '../runtime/controller.js';
import type { EventRecorder } from '../runtime/event-recorder.js';
import { LeaseElector, type LeaseView } from '../runtime/lease/elector.js';
import { checkLeaseTiming, DEFAULT_LEASE_TIMING, type LeaseTiming } from '../runtime/lease/timing.js';
import type { Logger } from '../runtime/logger.js';
import { externalIdPath, isValidResourceName, leasePath, type GatewayPaths } from '../runtime/paths.js';
import { defaultInstanceId } from '../runtime/config.js';
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

export interface ClusterRuntime {
  aws: AwsFacts | { unavailable: string };
  leases: ReadonlyMap<string, Observable<LeaseView>>;
  start(): void;
  /** Releases held leases so another instance takes over at once. */
  stop(): Promise<void>;
}

export interface ClusterDeps {
  ssm: SSMClient;
  paths: GatewayPaths;
  holder: string;
  events: EventRecorder;
  logger: Logger;
}

/** Electors for the cluster scope and this node's AZ, and the EC2 ports; nothing when there is no EC2 identity. */
export function setUpCluster(
  opts: ClusterOptions,
  identity: InstanceIdentity | string,
  deps: ClusterDeps,
): ClusterRuntime {
  if (typeof identity === 'string')
    return { aws: { unavailable: identity }, leases: new Map(), start: () => undefined, stop: () => Promise.resolve() };
  const timing = leaseTiming(opts);
  const store = createSsmLeaseStore(deps.ssm);
  const elector = (scope: string): LeaseElector =>
    new LeaseElector({
      scope,
      holder: deps.holder,
      parameterName: leasePath(deps.paths, scope),
      timing,
      store,
      events: deps.events,
      logger: deps.logger.child({ lease: scope }),
    });
  const cluster = elector('cluster');
  const az = elector(`az/${identity.availabilityZoneId}`);
  const ec2 = createEc2Adapter(createEc2Client({ region: identity.region }));
  return {
    aws: {
      identity,
      ec2,
      operationalEc2: operationalEc2(opts, identity, deps),
      leases: { cluster: cluster.guard(), az: az.guard() },
    },
    leases: new Map([
      ['cluster', cluster.view$],
      [`az/${identity.availabilityZoneId}`, az.view$],
    ]),
    start: () => [cluster, az].forEach((e) => e.start()),
    stop: async () => void (await Promise.all([cluster.stop(), az.stop()])),
  };
}

/** EC2 through the operational role of the per-AZ NAT data plane, one client per account. */
function operationalEc2(opts: ClusterOptions, identity: InstanceIdentity, deps: ClusterDeps): Ec2For {
  const { managerStackName, managerStackId } = opts;
  if (!managerStackName || !managerStackId || !identity.accountId) {
    const unconfigured = unconfiguredEc2(
      'operational role not configured: set --manager-stack-name and --manager-stack-id (and an account id in the identity)',
    );
    return () => unconfigured;
  }
  const credentials = createOperationalCredentials({
    sts: new STSClient({ region: identity.region }),
    config: { prefix: opts.resourcePrefix, managerStackName, managerStackId, homeAccountId: identity.accountId },
    externalId: () => readExternalId(deps.ssm, opts.externalIdParameter ?? externalIdPath(deps.paths)),
    sessionName: deps.holder,
  });
  const ports = new Map<string, Ec2Port>();
  return (accountId) => {
    const key = accountId ?? identity.accountId!;
    let port = ports.get(key);
    if (!port) {
      const provider = credentials.forFeature('az-routes', key);
      port = createEc2Adapter(createEc2Client({ region: identity.region, credentials: provider }));
      ports.set(key, port);
    }
    return port;
  };
}

async function readExternalId(ssm: SSMClient, name: string): Promise<string> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (out.Parameter?.Value) return out.Parameter.Value;
  } catch (err) {
    if ((err as Error).name !== 'ParameterNotFound') throw err;
  }
  throw new ControllerError('OperationalRoleUnavailable', `the external id parameter ${name} does not exist`, true);
}

/** Every call fails inert with the reason: an unconfigured role must never fall back to the instance role. */
function unconfiguredEc2(message: string): Ec2Port {
  const fail = (): Promise<never> => Promise.reject(new ControllerError('OperationalRoleUnavailable', message, true));
  return {
    describeAddress: fail,
    associateAddress: fail,
    describeRouteTables: fail,
    replaceRoute: fail,
    createRoute: fail,
    describeNetworkInterface: fail,
    setSourceDestCheck: fail,
    tagResources: fail,
  };
}
