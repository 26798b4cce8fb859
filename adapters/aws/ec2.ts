import { DEFAULT_REMOTE_TIMEOUTS, requestHandlerOptions, type RemoteTimeouts } from './client-config.js';
import {
  AssociateAddressCommand,
  CreateRouteCommand,
  CreateTagsCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  paginateDescribeRouteTables,
  type Address,
  type EC2ClientConfig,
  type NetworkInterface,
  type Route,
  type RouteTable,
  type Tag,
} from '@aws-sdk/client-ec2';
import { ControllerError } from '../../runtime/controller.js';
import type {
  AddressView,
  Ec2Port,
  NetworkInterfaceView,
  ResourceTags,
  RouteTableView,
  RouteView,
} from '../../runtime/aws/ports.js';
import { toControllerError } from './ec2-errors.js';

export interface Ec2ClientOptions {
  region: string;
  /** A provider (e.g. an assumed operational role) or static credentials; the default chain when absent. */
  credentials?: EC2ClientConfig['credentials'];
  /** The caller passes AWS_ENDPOINT_URL_EC2 here (labs, LocalStack); configuration is read once, elsewhere. */
  endpoint?: string;
  /** Default: DEFAULT_REMOTE_TIMEOUTS. */
  timeouts?: RemoteTimeouts;
}

/** One EC2 client per process. Adaptive retries because EC2 throttles per account; few attempts so failover is quick. */
export function createEc2Client(opts: Ec2ClientOptions): EC2Client {
  return new EC2Client({
    region: opts.region,
    retryMode: 'adaptive',
    maxAttempts: 3,
    ...requestHandlerOptions(opts.timeouts ?? DEFAULT_REMOTE_TIMEOUTS),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  });
}

type RouteRequest = { routeTableId: string; destinationCidr: string; networkInterfaceId: string };

/** Runs one EC2 call and maps its failure by err.name. */
async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toControllerError(err, action);
  }
}

/** Like call, but the given "not found" error means absence rather than failure. */
async function callOrAbsent<T>(action: string, notFound: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    if ((err as { name?: unknown } | undefined)?.name === notFound) return undefined;
    throw toControllerError(err, action);
  }
}

function tagsOf(tags: Tag[] | undefined): ResourceTags {
  const out: ResourceTags = {};
  for (const { Key, Value } of tags ?? []) if (Key !== undefined) out[Key] = Value ?? '';
  return out;
}

/** Drops undefined optional fields so views compare equal to the fakes' plain objects. */
function compact<T extends object>(view: T): T {
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined)) as T;
}

function addressView(a: Address): AddressView {
  return compact({
    allocationId: a.AllocationId ?? '',
    publicIp: a.PublicIp ?? '',
    associationId: a.AssociationId,
    networkInterfaceId: a.NetworkInterfaceId,
    instanceId: a.InstanceId,
    privateIpAddress: a.PrivateIpAddress,
    tags: tagsOf(a.Tags),
  });
}

/** Prefix-list destinations have no CIDR and can never be one of ours, so they are left out. */
function routeView(r: Route): RouteView | undefined {
  const destinationCidr = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
  if (destinationCidr === undefined) return undefined;
  return compact({
    destinationCidr,
    networkInterfaceId: r.NetworkInterfaceId,
    gatewayId: r.GatewayId,
    natGatewayId: r.NatGatewayId,
    instanceId: r.InstanceId,
    transitGatewayId: r.TransitGatewayId,
    state: r.State,
  });
}

function routeTableView(t: RouteTable): RouteTableView {
  return {
    routeTableId: t.RouteTableId ?? '',
    vpcId: t.VpcId ?? '',
    routes: (t.Routes ?? []).map(routeView).filter((r): r is RouteView => r !== undefined),
    tags: tagsOf(t.Tags),
  };
}

function networkInterfaceView(n: NetworkInterface): NetworkInterfaceView {
  return compact({
    networkInterfaceId: n.NetworkInterfaceId ?? '',
    // EC2 enables the check on every new interface; absent means nobody turned it off.
    sourceDestCheck: n.SourceDestCheck ?? true,
    availabilityZone: n.AvailabilityZone ?? '',
    subnetId: n.SubnetId ?? '',
    vpcId: n.VpcId ?? '',
    instanceId: n.Attachment?.InstanceId,
    tags: tagsOf(n.TagSet),
  });
}

/** The destination field EC2 expects for this CIDR's address family. */
function destination(cidr: string): { DestinationCidrBlock: string } | { DestinationIpv6CidrBlock: string } {
  return cidr.includes(':') ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr };
}

interface RouteInput {
  RouteTableId: string;
  NetworkInterfaceId: string;
  DestinationCidrBlock?: string;
  DestinationIpv6CidrBlock?: string;
}

function routeInput(req: RouteRequest): RouteInput {
  return {
    RouteTableId: req.routeTableId,
    NetworkInterfaceId: req.networkInterfaceId,
    ...destination(req.destinationCidr),
  };
}

/**
 * A filter query returns only the tables that exist, where RouteTableIds fails the whole call on one missing id.
 * Used only after that failure, since filters scan the region's tables.
 */
async function existingRouteTables(client: EC2Client, ids: string[], signal: AbortSignal): Promise<RouteTable[]> {
  const tables: RouteTable[] = [];
  const pages = paginateDescribeRouteTables(
    { client },
    { Filters: [{ Name: 'route-table-id', Values: ids }] },
    { abortSignal: signal },
  );
  for await (const page of pages) tables.push(...(page.RouteTables ?? []));
  return tables;
}

async function describeRouteTables(client: EC2Client, ids: string[], signal: AbortSignal): Promise<RouteTable[]> {
  try {
    const out = await client.send(new DescribeRouteTablesCommand({ RouteTableIds: ids }), { abortSignal: signal });
    return out.RouteTables ?? [];
  } catch (err) {
    if ((err as { name?: unknown } | undefined)?.name !== 'InvalidRouteTableID.NotFound') throw err;
    return existingRouteTables(client, ids, signal);
  }
}

async function describeAddress(client: EC2Client, id: string, signal: AbortSignal): Promise<AddressView | undefined> {
  return callOrAbsent(`DescribeAddresses ${id}`, 'InvalidAllocationID.NotFound', async () => {
    const out = await client.send(new DescribeAddressesCommand({ AllocationIds: [id] }), { abortSignal: signal });
    const address = out.Addresses?.[0];
    return address ? addressView(address) : undefined;
  });
}

async function associateAddress(
  client: EC2Client,
  req: { allocationId: string; networkInterfaceId: string; privateIpAddress?: string },
  signal: AbortSignal,
): Promise<{ associationId: string }> {
  return call(`AssociateAddress ${req.allocationId} -> ${req.networkInterfaceId}`, async () => {
    const input = {
      AllocationId: req.allocationId,
      NetworkInterfaceId: req.networkInterfaceId,
      AllowReassociation: true,
      ...(req.privateIpAddress ? { PrivateIpAddress: req.privateIpAddress } : {}),
    };
    const out = await client.send(new AssociateAddressCommand(input), { abortSignal: signal });
    if (!out.AssociationId) throw new ControllerError('AwsApiError', 'EC2 AssociateAddress returned no association id');
    return { associationId: out.AssociationId };
  });
}

async function describeNetworkInterface(
  client: EC2Client,
  id: string,
  signal: AbortSignal,
): Promise<NetworkInterfaceView | undefined> {
  return callOrAbsent(`DescribeNetworkInterfaces ${id}`, 'InvalidNetworkInterfaceID.NotFound', async () => {
    const input = { NetworkInterfaceIds: [id] };
    const out = await client.send(new DescribeNetworkInterfacesCommand(input), { abortSignal: signal });
    const eni = out.NetworkInterfaces?.[0];
    return eni ? networkInterfaceView(eni) : undefined;
  });
}

async function tagResources(
  client: EC2Client,
  resourceIds: readonly string[],
  tags: ResourceTags,
  signal: AbortSignal,
): Promise<void> {
  const entries = Object.entries(tags);
  if (resourceIds.length === 0 || entries.length === 0) return;
  const input = { Resources: [...resourceIds], Tags: entries.map(([Key, Value]) => ({ Key, Value })) };
  await call(`CreateTags ${resourceIds.join(',')}`, () =>
    client.send(new CreateTagsCommand(input), { abortSignal: signal }),
  );
}

/** The Ec2Port over the real SDK; every failure is a ControllerError per the table in runtime/aws/ports.ts. */
export function createEc2Adapter(client: EC2Client): Ec2Port {
  return {
    describeAddress: (allocationId, signal) => describeAddress(client, allocationId, signal),
    associateAddress: (req, signal) => associateAddress(client, req, signal),
    describeRouteTables: async (routeTableIds, signal) => {
      // An empty RouteTableIds list would describe every table in the region.
      if (routeTableIds.length === 0) return [];
      const ids = [...routeTableIds];
      const tables = await call(`DescribeRouteTables ${ids.join(',')}`, () => describeRouteTables(client, ids, signal));
      return tables.map(routeTableView);
    },
    replaceRoute: async (req, signal) => {
      const action = `ReplaceRoute ${req.routeTableId} ${req.destinationCidr}`;
      await call(action, () => client.send(new ReplaceRouteCommand(routeInput(req)), { abortSignal: signal }));
    },
    createRoute: async (req, signal) => {
      const action = `CreateRoute ${req.routeTableId} ${req.destinationCidr}`;
      await call(action, () => client.send(new CreateRouteCommand(routeInput(req)), { abortSignal: signal }));
    },
    describeNetworkInterface: (eniId, signal) => describeNetworkInterface(client, eniId, signal),
    setSourceDestCheck: async (eniId, enabled, signal) => {
      const input = { NetworkInterfaceId: eniId, SourceDestCheck: { Value: enabled } };
      await call(`ModifyNetworkInterfaceAttribute ${eniId} SourceDestCheck=${enabled}`, () =>
        client.send(new ModifyNetworkInterfaceAttributeCommand(input), { abortSignal: signal }),
      );
    },
    tagResources: (resourceIds, tags, signal) => tagResources(client, resourceIds, tags, signal),
  };
}
