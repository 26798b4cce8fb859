import { createAcmAdapter, createAcmClient, type AcmClientFor } from '../adapters/aws/acm.js';
import type { RemoteTimeouts } from '../adapters/aws/client-config.js';
import { createEc2Client } from '../adapters/aws/ec2.js';
import { createElbv2Adapter, createElbv2Client, type Elbv2Clients } from '../adapters/aws/elbv2.js';
import type { OperationalCredentials } from '../adapters/aws/sts-credentials.js';
import { unavailableAwsApis } from '../adapters/aws/unavailable-apis.js';
import type { AcmPort, AwsApis, Elbv2Port } from '../runtime/aws/api-ports.js';

export type { AcmClientFor };

/** Builds the AcmPort from its clients; createAcmAdapter unless a test captures the clients. */
export type AcmAdapterFactory = (clientFor: AcmClientFor) => AcmPort;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where AWS credentials come from: the operational roles (an EC2 identity and the manager stack), nowhere (an
 * identity without an operational role: never the instance role), or, without an EC2 identity, the default chain
 * against endpoints given the AWS SDK way (labs, e2e).
 */
export type AwsApisSource =
  { operational: OperationalCredentials } | { unconfigured: string } | { noIdentity: string; env: Env };

export interface AwsApisOptions {
  timeouts: RemoteTimeouts;
  acmAdapter?: AcmAdapterFactory;
}

/** The features the clients act for: their operational roles (runtime/aws/operational-role.ts). */
const LOAD_BALANCER = 'load-balancer';
const TLS_TERMINATION = 'tls-termination';

const DEFAULT_LAB_REGION = 'us-east-1';

/** One client set per key (region/account), built on first use. */
function cached<T>(build: (region: string, accountId: string) => T): (region: string, accountId: string) => T {
  const clients = new Map<string, T>();
  return (region, accountId) => {
    const key = `${region}/${accountId}`;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = build(region, accountId)));
    return client;
  };
}

/** Every client of an ARN's account signs with that account's operational role for the feature. */
function operationalApis(credentials: OperationalCredentials, opts: AwsApisOptions): AwsApis {
  const { timeouts } = opts;
  const elbv2 = cached<Elbv2Clients>((region, accountId) => {
    const provider = credentials.forFeature(LOAD_BALANCER, accountId);
    return {
      elbv2: createElbv2Client({ region, credentials: provider, timeouts }),
      ec2: createEc2Client({ region, credentials: provider, timeouts }),
    };
  });
  const acm = cached((region, accountId) =>
    createAcmClient({ region, timeouts, credentials: credentials.forFeature(TLS_TERMINATION, accountId) }),
  );
  return { elbv2: createElbv2Adapter(elbv2), acm: acmPort(acm, opts) };
}

function acmPort(clientFor: AcmClientFor, opts: AwsApisOptions): AcmPort {
  return (opts.acmAdapter ?? createAcmAdapter)(clientFor);
}

/** Labs: one client per service against its endpoint, whatever the ARN says; the default credential chain signs. */
function endpointApis(why: string, env: Env, opts: AwsApisOptions): AwsApis {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_LAB_REGION;
  const missing = (service: string, variable: string): string =>
    `${why}, and no ${service} endpoint is given (${variable} or AWS_ENDPOINT_URL)`;
  const elbv2Endpoint = env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 ?? env.AWS_ENDPOINT_URL;
  const acmEndpoint = env.AWS_ENDPOINT_URL_ACM ?? env.AWS_ENDPOINT_URL;
  let elbv2: Elbv2Port = unavailableAwsApis(missing('ELBv2', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2')).elbv2;
  if (elbv2Endpoint) {
    const clients: Elbv2Clients = {
      elbv2: createElbv2Client({ region, endpoint: elbv2Endpoint, timeouts: opts.timeouts }),
      // Instance targets' lookups: the SDK reads AWS_ENDPOINT_URL_EC2 itself.
      ec2: createEc2Client({ region, timeouts: opts.timeouts }),
    };
    elbv2 = createElbv2Adapter(() => clients);
  }
  let acm: AcmPort = unavailableAwsApis(missing('ACM', 'AWS_ENDPOINT_URL_ACM')).acm;
  if (acmEndpoint) {
    const client = createAcmClient({ region, endpoint: acmEndpoint, timeouts: opts.timeouts });
    acm = acmPort(() => client, opts);
  }
  return { elbv2, acm };
}

/** The AwsApis of HostPorts (ELBv2 for LoadBalancer, ACM for TlsTermination), built once per process. */
export function createAwsApis(source: AwsApisSource, opts: AwsApisOptions): AwsApis {
  if ('operational' in source) return operationalApis(source.operational, opts);
  if ('unconfigured' in source) return unavailableAwsApis(source.unconfigured);
  return endpointApis(source.noIdentity, source.env, opts);
}
