// Drives the fake EC2 server with the real @aws-sdk/client-ec2, so its XML and errors are what the SDK parses.
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
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createEc2Adapter } from '../../adapters/aws/ec2.js';
import { Ec2Model, type Ec2State } from './model.js';
import { FakeEc2Server, type ReceivedCall } from './server.js';

const initial = (): Ec2State => ({
  addresses: [
    { allocationId: 'eipalloc-1', publicIp: '198.51.100.1', tags: { Name: 'a<b & "c"' } },
    { allocationId: 'eipalloc-2', publicIp: '198.51.100.2', tags: {} },
  ],
  routeTables: [
    {
      routeTableId: 'rtb-1',
      vpcId: 'vpc-1',
      routes: [
        { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' },
        { destinationCidr: '2001:db8::/56', gatewayId: 'local', state: 'active' },
      ],
      tags: { team: 'net' },
    },
    { routeTableId: 'rtb-2', vpcId: 'vpc-1', routes: [], tags: {} },
  ],
  networkInterfaces: [
    {
      networkInterfaceId: 'eni-a',
      sourceDestCheck: true,
      availabilityZone: 'us-east-1a',
      subnetId: 'subnet-a',
      vpcId: 'vpc-1',
      instanceId: 'i-a',
      tags: {},
    },
    {
      networkInterfaceId: 'eni-b',
      sourceDestCheck: false,
      availabilityZone: 'us-east-1b',
      subnetId: 'subnet-b',
      vpcId: 'vpc-1',
      tags: {},
    },
  ],
});

let server: FakeEc2Server;
let url: string;
let client: EC2Client;

beforeEach(async () => {
  server = new FakeEc2Server(new Ec2Model(initial()));
  url = await server.listen();
  // One attempt: an injected throttling error must reach the test, not be retried away.
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  client = new EC2Client({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!err) throw new Error('expected the call to fail');
  return { name: err.name, status: err.$metadata?.httpStatusCode };
}

async function control(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${path}`, init);
  return { status: res.status, body: await res.json() };
}

const fail = (body: unknown): Promise<{ status: number; body: unknown }> =>
  control('/_fail', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('fake EC2 server with the real SDK', () => {
  it('describes addresses with their tags, escaped values intact', async () => {
    const out = await client.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-1'] }));
    expect(out.Addresses).toEqual([
      {
        AllocationId: 'eipalloc-1',
        PublicIp: '198.51.100.1',
        Domain: 'vpc',
        Tags: [{ Key: 'Name', Value: 'a<b & "c"' }],
      },
    ]);
    expect((await client.send(new DescribeAddressesCommand({}))).Addresses).toHaveLength(2);
  });

  it('associates and reassociates an address, moving it between interfaces', async () => {
    const first = await client.send(
      new AssociateAddressCommand({ AllocationId: 'eipalloc-1', NetworkInterfaceId: 'eni-a' }),
    );
    expect(first.AssociationId).toMatch(/^eipassoc-/);
    const refused = client.send(
      new AssociateAddressCommand({ AllocationId: 'eipalloc-1', NetworkInterfaceId: 'eni-b' }),
    );
    expect(await errorOf(refused)).toEqual({ name: 'Resource.AlreadyAssociated', status: 400 });
    const input = {
      AllocationId: 'eipalloc-1',
      NetworkInterfaceId: 'eni-b',
      AllowReassociation: true,
      PrivateIpAddress: '10.0.1.5',
    };
    const second = await client.send(new AssociateAddressCommand(input));
    expect(second.AssociationId).not.toBe(first.AssociationId);
    const [address] =
      (await client.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-1'] }))).Addresses ?? [];
    expect(address).toMatchObject({
      AssociationId: second.AssociationId,
      NetworkInterfaceId: 'eni-b',
      PrivateIpAddress: '10.0.1.5',
    });
    expect(address?.InstanceId).toBeUndefined();
  });

  it('answers unknown ids with the AWS error codes', async () => {
    const describe = client.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-x'] }));
    expect(await errorOf(describe)).toEqual({ name: 'InvalidAllocationID.NotFound', status: 400 });
    const enis = client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-x'] }));
    expect((await errorOf(enis)).name).toBe('InvalidNetworkInterfaceID.NotFound');
    const tables = client.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-1', 'rtb-x'] }));
    expect((await errorOf(tables)).name).toBe('InvalidRouteTableID.NotFound');
  });

  it('creates and replaces routes with EC2 semantics, IPv4 and IPv6', async () => {
    const route = { RouteTableId: 'rtb-1', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-a' };
    expect(await errorOf(client.send(new ReplaceRouteCommand(route)))).toMatchObject({ name: 'InvalidRoute.NotFound' });
    expect((await client.send(new CreateRouteCommand(route))).Return).toBe(true);
    expect(await errorOf(client.send(new CreateRouteCommand(route)))).toMatchObject({ name: 'RouteAlreadyExists' });
    await client.send(new ReplaceRouteCommand({ ...route, NetworkInterfaceId: 'eni-b' }));
    const v6 = { RouteTableId: 'rtb-1', DestinationIpv6CidrBlock: '::/0', NetworkInterfaceId: 'eni-a' };
    await client.send(new CreateRouteCommand(v6));
    const [table] = (await client.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-1'] }))).RouteTables ?? [];
    expect(table).toEqual({
      RouteTableId: 'rtb-1',
      VpcId: 'vpc-1',
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        { DestinationIpv6CidrBlock: '2001:db8::/56', GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-b', State: 'active' },
        { DestinationIpv6CidrBlock: '::/0', NetworkInterfaceId: 'eni-a', InstanceId: 'i-a', State: 'active' },
      ],
      Tags: [{ Key: 'team', Value: 'net' }],
    });
  });

  it('filters route tables by route-table-id, leaving unknown ids out', async () => {
    const filter = { Filters: [{ Name: 'route-table-id', Values: ['rtb-2', 'rtb-x'] }] };
    const out = await client.send(new DescribeRouteTablesCommand(filter));
    expect(out.RouteTables?.map((t) => t.RouteTableId)).toEqual(['rtb-2']);
  });

  it('describes interfaces and modifies their source/destination check', async () => {
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: 'eni-a', SourceDestCheck: { Value: false } }),
    );
    const out = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-a', 'eni-b'] }));
    expect(out.NetworkInterfaces).toEqual([
      {
        NetworkInterfaceId: 'eni-a',
        SubnetId: 'subnet-a',
        VpcId: 'vpc-1',
        AvailabilityZone: 'us-east-1a',
        SourceDestCheck: false,
        Attachment: { InstanceId: 'i-a' },
        TagSet: [],
      },
      {
        NetworkInterfaceId: 'eni-b',
        SubnetId: 'subnet-b',
        VpcId: 'vpc-1',
        AvailabilityZone: 'us-east-1b',
        SourceDestCheck: false,
        TagSet: [],
      },
    ]);
  });

  it('merges tags on several resources at once', async () => {
    const tags = [{ Key: 'team', Value: 'gw' }, { Key: 'empty' }];
    await client.send(new CreateTagsCommand({ Resources: ['rtb-1', 'eipalloc-2'], Tags: tags }));
    const state = (await control('/_state')).body as Ec2State;
    expect(state.routeTables[0]?.tags).toEqual({ team: 'gw', empty: '' });
    expect(state.addresses[1]?.tags).toEqual({ team: 'gw', empty: '' });
    const unknown = client.send(new CreateTagsCommand({ Resources: ['eni-x'], Tags: tags }));
    expect((await errorOf(unknown)).name).toBe('InvalidNetworkInterfaceID.NotFound');
  });

  it('injects AWS errors through /_fail for the given number of calls', async () => {
    expect((await fail({ action: 'DescribeAddresses', code: 'UnauthorizedOperation' })).status).toBe(200);
    expect((await fail({ action: 'CreateTags', code: 'RequestLimitExceeded', count: 2 })).status).toBe(200);
    const describe = (): Promise<unknown> => client.send(new DescribeAddressesCommand({}));
    expect((await errorOf(describe())).name).toBe('UnauthorizedOperation');
    await describe();
    const tag = (): Promise<unknown> =>
      client.send(new CreateTagsCommand({ Resources: ['rtb-1'], Tags: [{ Key: 'a', Value: 'b' }] }));
    expect((await errorOf(tag())).name).toBe('RequestLimitExceeded');
    expect((await errorOf(tag())).name).toBe('RequestLimitExceeded');
    await tag();
    await fail({ action: 'CreateTags', code: 'RequestLimitExceeded', count: 5 });
    await fail({ action: 'CreateTags', code: 'RequestLimitExceeded', count: 0 });
    await tag();
  });

  it.each([
    [{ action: 'TerminateInstances', code: 'UnauthorizedOperation' }],
    [{ action: 'CreateTags', code: '<x>' }],
    [{ action: 'CreateTags', code: 'Throttling', count: -1 }],
  ])('rejects the bad failure rule %j', async (rule) => {
    expect((await fail(rule)).status).toBe(400);
  });

  it('records every action received with its parameters', async () => {
    await client.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-1', 'eipalloc-2'] }));
    await errorOf(client.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-x'] })));
    const calls = (await control('/_calls')).body as ReceivedCall[];
    expect(calls.map(({ action, params }) => ({ action, params }))).toEqual([
      { action: 'DescribeAddresses', params: { 'AllocationId.1': 'eipalloc-1', 'AllocationId.2': 'eipalloc-2' } },
      { action: 'DescribeAddresses', params: { 'AllocationId.1': 'eipalloc-x' } },
    ]);
    expect(Number.isNaN(Date.parse(calls[0]?.at ?? ''))).toBe(false);
  });

  it('answers an unknown action and a missing parameter as EC2 does', async () => {
    const res = await fetch(url, { method: 'POST', body: 'Action=TerminateInstances&Version=2016-11-15' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidAction</Code>');
    const missing = client.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-1' }));
    expect((await errorOf(missing)).name).toBe('MissingParameter');
  });

  it('serves the real Ec2Port adapter end to end', async () => {
    const ec2 = createEc2Adapter(client);
    const signal = new AbortController().signal;
    expect(await ec2.describeAddress('eipalloc-x', signal)).toBeUndefined();
    // RouteTableIds fails on rtb-x, so the adapter falls back to the route-table-id filter.
    expect((await ec2.describeRouteTables(['rtb-2', 'rtb-x'], signal)).map((t) => t.routeTableId)).toEqual(['rtb-2']);
    await ec2.createRoute({ routeTableId: 'rtb-2', destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-a' }, signal);
    expect(server.model.routeTables.get('rtb-2')?.routes).toEqual([
      { destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-a', instanceId: 'i-a', state: 'active' },
    ]);
    expect(await ec2.describeNetworkInterface('eni-a', signal)).toEqual(initial().networkInterfaces[0]);
  });
});
