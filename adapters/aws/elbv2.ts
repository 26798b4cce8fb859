import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type ElasticLoadBalancingV2ClientConfig,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseTargetGroupArn } from '../../runtime/aws/target-group-arn.js';
import { paginateDescribeInstances, type EC2Client } from '@aws-sdk/client-ec2';
import { ControllerError } from '../../runtime/controller.js';
import type { Elbv2Port, RegisteredTarget, TargetHealthState } from '../../runtime/aws/api-ports.js';
import { DEFAULT_REMOTE_TIMEOUTS, requestHandlerOptions, type RemoteTimeouts } from './client-config.js';
import { toControllerError } from './ec2-errors.js';
import { elbv2Error } from './elbv2-errors.js';

export interface Elbv2ClientOptions {
  region: string;
  /** A provider (the operational role) or static credentials; the default chain when absent. */
  credentials?: ElasticLoadBalancingV2ClientConfig['credentials'];
  /** Labs: the fake endpoint (AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2), read by the caller. */
  endpoint?: string;
  timeouts?: RemoteTimeouts;
}

export function createElbv2Client(opts: Elbv2ClientOptions): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({
    region: opts.region,
    retryMode: 'adaptive',
    maxAttempts: 3,
    ...requestHandlerOptions(opts.timeouts ?? DEFAULT_REMOTE_TIMEOUTS),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  });
}

/** The clients of one account and region, with the same credentials: EC2 resolves instance targets. */
export interface Elbv2Clients {
  elbv2: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
}

export type Elbv2ClientsFor = (region: string, accountId: string) => Elbv2Clients;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** Instance ids per DescribeInstances filter: EC2 accepts up to 200 values in one filter. */
const INSTANCE_BATCH = 200;

const STATES: ReadonlySet<string> = new Set(['initial', 'healthy', 'unhealthy', 'unused', 'draining', 'unavailable']);

/** `unhealthy.draining` (an unhealthy target being deregistered) leaves like any draining target. */
function stateOf(raw: string | undefined): TargetHealthState {
  if (raw === 'unhealthy.draining') return 'draining';
  return raw !== undefined && STATES.has(raw) ? (raw as TargetHealthState) : 'unavailable';
}

type Described = { id: string; port: number; d: TargetHealthDescription };

/** Only ip and instance targets carry traffic an L4 balancer can forward; ALB and Lambda targets cannot. */
function classify(arn: string, descriptions: readonly TargetHealthDescription[]): Described[] {
  return descriptions.flatMap((d) => {
    const id = d.Target?.Id ?? '';
    const port = d.Target?.Port;
    if (!IPV4.test(id) && !INSTANCE_ID.test(id)) {
      const kind = id.startsWith('arn:') ? 'an ALB or Lambda target' : `target "${id}" (IPv4 and instances only)`;
      throw new ControllerError('UnsupportedTargetType', `target group ${arn} holds ${kind}`, true);
    }
    // Every ip/instance target has a port; one without cannot be forwarded to.
    return port === undefined ? [] : [{ id, port, d }];
  });
}

/** Primary private IPv4 of one batch of instances that still exist; a filter (unlike InstanceIds) tolerates gone ones. */
async function batchAddresses(ec2: EC2Client, batch: string[], signal: AbortSignal): Promise<[string, string][]> {
  const found: [string, string][] = [];
  const input = { Filters: [{ Name: 'instance-id', Values: batch }] };
  for await (const page of paginateDescribeInstances({ client: ec2 }, input, { abortSignal: signal })) {
    const instances = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    for (const i of instances) if (i.InstanceId && i.PrivateIpAddress) found.push([i.InstanceId, i.PrivateIpAddress]);
  }
  return found;
}

async function privateAddresses(
  ec2: EC2Client,
  instanceIds: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const addresses = new Map<string, string>();
  for (let i = 0; i < instanceIds.length; i += INSTANCE_BATCH) {
    const batch = instanceIds.slice(i, i + INSTANCE_BATCH);
    try {
      for (const [id, address] of await batchAddresses(ec2, batch, signal)) addresses.set(id, address);
    } catch (err) {
      throw toControllerError(err, `DescribeInstances (${batch.length} load balancer targets)`);
    }
  }
  return addresses;
}

function registered(t: Described, address: string): RegisteredTarget {
  const view: RegisteredTarget = { address, port: t.port, state: stateOf(t.d.TargetHealth?.State) };
  if (t.d.TargetHealth?.Reason) view.reason = t.d.TargetHealth.Reason;
  if (address !== t.id) view.targetId = t.id;
  if (t.d.Target?.AvailabilityZone) view.availabilityZone = t.d.Target.AvailabilityZone;
  return view;
}

async function describeTargetHealth(
  clientsFor: Elbv2ClientsFor,
  arn: string,
  signal: AbortSignal,
): Promise<RegisteredTarget[]> {
  const parsed = parseTargetGroupArn(arn);
  if (!parsed) throw new ControllerError('InvalidTargetGroupArn', `"${arn}" is not a target group ARN`, true);
  const clients = clientsFor(parsed.region, parsed.accountId);
  let descriptions: TargetHealthDescription[];
  try {
    const out = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), {
      abortSignal: signal,
    });
    descriptions = out.TargetHealthDescriptions ?? [];
  } catch (err) {
    throw elbv2Error(err, `DescribeTargetHealth ${arn}`);
  }
  const targets = classify(arn, descriptions);
  const instanceIds = [...new Set(targets.filter((t) => INSTANCE_ID.test(t.id)).map((t) => t.id))];
  const addresses =
    instanceIds.length > 0 ? await privateAddresses(clients.ec2, instanceIds, signal) : new Map<string, string>();
  // A terminated instance has no address any more: it is gone from the group as far as traffic goes.
  return targets.flatMap((t) => {
    const address = IPV4.test(t.id) ? t.id : addresses.get(t.id);
    return address === undefined ? [] : [registered(t, address)];
  });
}

/**
 * The Elbv2Port over the official SDK. Clients are picked per ARN (its region and account), so a target group of a
 * member account is read through that account's operational role.
 */
export function createElbv2Adapter(clientsFor: Elbv2ClientsFor): Elbv2Port {
  return { describeTargetHealth: (arn, signal) => describeTargetHealth(clientsFor, arn, signal) };
}
