import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Observable } from 'rxjs';
import { createStsClient, type RemoteTimeouts } from '../adapters/aws/client-config.js';
import { createEc2Adapter, createEc2Client } from '../adapters/aws/ec2.js';
import { createOperationalCredentials, type OperationalCredentials } from '../adapters/aws/sts-credentials.js';
import { createSsmLeaseStore } from '../adapters/ssm-lease-store.js';
import type { Ec2For } from '../runtime/kind-module.js';
import type { Ec2Port, InstanceIdentity } from '../runtime/aws/ports.js';
import { ControllerError } from '../runtime/controller.js';
import type { EventRecorder } from '../runtime/event-recorder.js';
import { LeaseElector, type LeaseView } from '../runtime/lease/elector.js';
import type { LeaseTiming } from '../runtime/lease/timing.js';
import type { Logger } from '../runtime/logger.js';
import { externalIdPath, leasePath, type GatewayPaths } from '../runtime/paths.js';
import type { AwsFacts } from '../runtime/kind-module.js';
import type { AwsApis } from '../runtime/aws/api-ports.js';
import { createAwsApis, type Env } from './aws-apis.js';

/** What the cluster layer needs from `csgw run`'s options. */
export interface ClusterSettings {
  timing: LeaseTiming;
  resourcePrefix: string;
  managerStackName?: string;
  managerStackId?: string;
  externalIdParameter?: string;
  timeouts: RemoteTimeouts;
}

/** The EC2 side of this node, and the other AWS APIs (ELBv2, ACM) through the same operational roles. */
export type ClusterAws = (AwsFacts | { unavailable: string }) & { awsApis: AwsApis };

export interface ClusterRuntime {
  aws: ClusterAws;
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
  /** Without an EC2 identity: where labs point the AWS SDK (AWS_ENDPOINT_URL_*, AWS_REGION). Default process.env. */
  env?: Env;
}

/** Electors for the cluster scope and this node's AZ, and the EC2 ports; nothing when there is no EC2 identity. */
export function setUpCluster(
  opts: ClusterSettings,
  identity: InstanceIdentity | string,
  deps: ClusterDeps,
): ClusterRuntime {
  if (typeof identity === 'string') {
    const awsApis = createAwsApis({ noIdentity: identity, env: deps.env ?? process.env }, { timeouts: opts.timeouts });
    return {
      aws: { unavailable: identity, awsApis },
      leases: new Map(),
      start: () => undefined,
      stop: () => Promise.resolve(),
    };
  }
  const timing = opts.timing;
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
  const ec2 = createEc2Adapter(createEc2Client({ region: identity.region, timeouts: opts.timeouts }));
  const credentials = operationalCredentials(opts, identity, deps);
  const apisSource = typeof credentials === 'string' ? { unconfigured: credentials } : { operational: credentials };
  return {
    aws: {
      identity,
      ec2,
      operationalEc2: operationalEc2(identity, credentials, opts.timeouts),
      leases: { cluster: cluster.guard(), az: az.guard() },
      awsApis: createAwsApis(apisSource, { timeouts: opts.timeouts }),
    },
    leases: new Map([
      ['cluster', cluster.view$],
      [`az/${identity.availabilityZoneId}`, az.view$],
    ]),
    start: () => [cluster, az].forEach((e) => e.start()),
    stop: async () => void (await Promise.all([cluster.stop(), az.stop()])),
  };
}

/**
 * The operational roles' credentials (one STS session cache for every feature), or why there are none: an
 * unconfigured role must never fall back to the instance role.
 */
function operationalCredentials(
  opts: ClusterSettings,
  identity: InstanceIdentity,
  deps: ClusterDeps,
): OperationalCredentials | string {
  const { managerStackName, managerStackId } = opts;
  if (!managerStackName || !managerStackId || !identity.accountId)
    return 'operational role not configured: set --manager-stack-name and --manager-stack-id (and an account id in the identity)';
  return createOperationalCredentials({
    sts: createStsClient(identity.region, opts.timeouts),
    config: { prefix: opts.resourcePrefix, managerStackName, managerStackId, homeAccountId: identity.accountId },
    externalId: () => readExternalId(deps.ssm, opts.externalIdParameter ?? externalIdPath(deps.paths)),
    sessionName: deps.holder,
  });
}

/** EC2 through the operational role of the per-AZ NAT data plane, one client per account. */
function operationalEc2(
  identity: InstanceIdentity,
  credentials: OperationalCredentials | string,
  timeouts: RemoteTimeouts,
): Ec2For {
  if (typeof credentials === 'string') {
    const unconfigured = unconfiguredEc2(credentials);
    return () => unconfigured;
  }
  const ports = new Map<string, Ec2Port>();
  return (accountId) => {
    const key = accountId ?? identity.accountId!;
    let port = ports.get(key);
    if (!port) {
      const provider = credentials.forFeature('az-routes', key);
      port = createEc2Adapter(createEc2Client({ region: identity.region, credentials: provider, timeouts }));
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
