import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AssociateAddressCommand,
  CreateRouteCommand,
  CreateTagsCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { ControllerError } from '../../runtime/controller.js';
import type { Ec2Port } from '../../runtime/aws/ports.js';
import { createEc2Adapter, createEc2Client } from './ec2.js';

const ec2Mock = mockClient(EC2Client);
const signal = new AbortController().signal;
let port: Ec2Port;

const awsError = (name: string): Error =>
  new EC2ServiceException({ name, message: `AWS says ${name}`, $fault: 'client', $metadata: { httpStatusCode: 400 } });

/** The options object (second argument of send) of every call made. */
const sendOptions = (): unknown[] => ec2Mock.calls().map((c) => (c.args as unknown[])[1]);

async function controllerError(promise: Promise<unknown>): Promise<ControllerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControllerError);
  return err as ControllerError;
}

beforeEach(() => {
  ec2Mock.reset();
  port = createEc2Adapter(new EC2Client({ region: 'us-east-1' }));
});
afterEach(() => {
  // Every call must carry the caller's signal so aborting a reconcile stage cancels the HTTP request.
  for (const options of sendOptions()) expect(options).toEqual({ abortSignal: signal });
});

describe('createEc2Client', () => {
  it('uses adaptive retries, 3 attempts, the region and the endpoint given by the caller', async () => {
    const client = createEc2Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' });
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(3);
    expect(client.config.retryMode).toBe('adaptive');
    expect(await client.config.retryStrategy()).toHaveProperty('mode', 'adaptive');
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(4566);
  });

  it('uses the given credentials provider', async () => {
    const credentials = (): Promise<{ accessKeyId: string; secretAccessKey: string }> =>
      Promise.resolve({ accessKeyId: 'AKIDTEST', secretAccessKey: 'test' });
    const client = createEc2Client({ region: 'eu-west-1', credentials });
    expect((await client.config.credentials()).accessKeyId).toBe('AKIDTEST');
  });
});

describe('describeAddress', () => {
  it('asks for the one allocation and maps the view (tags as a record, absent fields left out)', async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves({
      Addresses: [
        {
          AllocationId: 'eipalloc-1',
          PublicIp: '203.0.113.7',
          AssociationId: 'eipassoc-1',
          NetworkInterfaceId: 'eni-1',
          PrivateIpAddress: '10.0.0.5',
          Tags: [{ Key: 'csgw:owner', Value: 'node-a' }, { Key: 'empty' }],
        },
      ],
    });
    expect(await port.describeAddress('eipalloc-1', signal)).toStrictEqual({
      allocationId: 'eipalloc-1',
      publicIp: '203.0.113.7',
      associationId: 'eipassoc-1',
      networkInterfaceId: 'eni-1',
      privateIpAddress: '10.0.0.5',
      tags: { 'csgw:owner': 'node-a', empty: '' },
    });
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)[0]?.args[0].input).toEqual({ AllocationIds: ['eipalloc-1'] });
  });

  it('returns undefined for InvalidAllocationID.NotFound and for an empty answer', async () => {
    ec2Mock.on(DescribeAddressesCommand).rejectsOnce(awsError('InvalidAllocationID.NotFound')).resolves({});
    expect(await port.describeAddress('eipalloc-gone', signal)).toBeUndefined();
    expect(await port.describeAddress('eipalloc-gone', signal)).toBeUndefined();
  });

  it('maps UnauthorizedOperation to an inert MissingPermission', async () => {
    ec2Mock.on(DescribeAddressesCommand).rejects(awsError('UnauthorizedOperation'));
    const err = await controllerError(port.describeAddress('eipalloc-1', signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason: 'MissingPermission', inert: true });
    expect(err.message).toContain('DescribeAddresses eipalloc-1');
  });
});

describe('associateAddress', () => {
  const req = { allocationId: 'eipalloc-1', networkInterfaceId: 'eni-1' };

  it('always allows reassociation and returns the association id', async () => {
    ec2Mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-9' });
    expect(await port.associateAddress(req, signal)).toEqual({ associationId: 'eipassoc-9' });
    expect(ec2Mock.commandCalls(AssociateAddressCommand)[0]?.args[0].input).toEqual({
      AllocationId: 'eipalloc-1',
      NetworkInterfaceId: 'eni-1',
      AllowReassociation: true,
    });
  });

  it('names the private address when asked to', async () => {
    ec2Mock.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-9' });
    await port.associateAddress({ ...req, privateIpAddress: '10.0.1.20' }, signal);
    expect(ec2Mock.commandCalls(AssociateAddressCommand)[0]?.args[0].input).toMatchObject({
      PrivateIpAddress: '10.0.1.20',
      AllowReassociation: true,
    });
  });

  it('an answer without an association id is an AwsApiError', async () => {
    ec2Mock.on(AssociateAddressCommand).resolves({});
    expect((await controllerError(port.associateAddress(req, signal))).reason).toBe('AwsApiError');
  });

  it.each([
    ['Resource.AlreadyAssociated', 'AddressAlreadyAssociated', false],
    ['InvalidAllocationID.NotFound', 'AllocationNotFound', true],
    ['InvalidNetworkInterfaceID.NotFound', 'NetworkInterfaceNotFound', true],
    ['RequestLimitExceeded', 'Throttled', false],
  ])('%s -> %s (inert %s)', async (name, reason, inert) => {
    ec2Mock.on(AssociateAddressCommand).rejects(awsError(name));
    const err = await controllerError(port.associateAddress(req, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason, inert });
    expect(err.message).toContain(`AssociateAddress eipalloc-1 -> eni-1 failed (${name})`);
  });
});

describe('describeRouteTables', () => {
  const table = (id: string): object => ({
    RouteTableId: id,
    VpcId: 'vpc-1',
    Tags: [{ Key: 'Name', Value: id }],
    Routes: [
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
      { DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-1', InstanceId: 'i-1', State: 'active' },
      { DestinationIpv6CidrBlock: '::/0', GatewayId: 'igw-1', State: 'active' },
      { DestinationPrefixListId: 'pl-1', GatewayId: 'vpce-1', State: 'active' },
    ],
  });

  it('asks by id and maps routes (prefix-list routes have no CIDR and are left out)', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table('rtb-1')] });
    expect(await port.describeRouteTables(['rtb-1'], signal)).toStrictEqual([
      {
        routeTableId: 'rtb-1',
        vpcId: 'vpc-1',
        tags: { Name: 'rtb-1' },
        routes: [
          { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' },
          { destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-1', instanceId: 'i-1', state: 'active' },
          { destinationCidr: '::/0', gatewayId: 'igw-1', state: 'active' },
        ],
      },
    ]);
    expect(ec2Mock.commandCalls(DescribeRouteTablesCommand)[0]?.args[0].input).toEqual({ RouteTableIds: ['rtb-1'] });
  });

  it('makes no call for an empty list (no ids would mean every table in the region)', async () => {
    expect(await port.describeRouteTables([], signal)).toEqual([]);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('falls back to a paginated route-table-id filter when one id is missing', async () => {
    const filter = { Filters: [{ Name: 'route-table-id', Values: ['rtb-1', 'rtb-gone', 'rtb-2'] }] };
    ec2Mock
      .on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-1', 'rtb-gone', 'rtb-2'] })
      .rejects(awsError('InvalidRouteTableID.NotFound'))
      .on(DescribeRouteTablesCommand, { ...filter, NextToken: undefined })
      .resolves({ RouteTables: [table('rtb-1')], NextToken: 'page2' })
      .on(DescribeRouteTablesCommand, { ...filter, NextToken: 'page2' })
      .resolves({ RouteTables: [table('rtb-2')] });
    const tables = await port.describeRouteTables(['rtb-1', 'rtb-gone', 'rtb-2'], signal);
    expect(tables.map((t) => t.routeTableId)).toEqual(['rtb-1', 'rtb-2']);
    expect(ec2Mock.commandCalls(DescribeRouteTablesCommand)).toHaveLength(3);
  });

  it('maps other failures, including a failing fallback', async () => {
    ec2Mock
      .on(DescribeRouteTablesCommand)
      .rejectsOnce(awsError('UnauthorizedOperation'))
      .rejectsOnce(awsError('InvalidRouteTableID.NotFound'))
      .rejectsOnce(awsError('RequestLimitExceeded'));
    expect((await controllerError(port.describeRouteTables(['rtb-1'], signal))).reason).toBe('MissingPermission');
    const err = await controllerError(port.describeRouteTables(['rtb-1'], signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason: 'Throttled', inert: false });
  });
});

describe('replaceRoute / createRoute', () => {
  it.each([
    ['replaceRoute', ReplaceRouteCommand],
    ['createRoute', CreateRouteCommand],
  ] as const)('%s points the CIDR at the interface, IPv4 or IPv6', async (method, command) => {
    ec2Mock.on(command).resolves({});
    await port[method]({ routeTableId: 'rtb-1', destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-1' }, signal);
    await port[method]({ routeTableId: 'rtb-1', destinationCidr: '::/0', networkInterfaceId: 'eni-1' }, signal);
    expect(ec2Mock.commandCalls(command).map((c) => c.args[0].input)).toEqual([
      { RouteTableId: 'rtb-1', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-1' },
      { RouteTableId: 'rtb-1', DestinationIpv6CidrBlock: '::/0', NetworkInterfaceId: 'eni-1' },
    ]);
  });

  it('maps RequestLimitExceeded to Throttled, not inert, so the machine backs off', async () => {
    ec2Mock.on(ReplaceRouteCommand).rejects(awsError('RequestLimitExceeded'));
    const req = { routeTableId: 'rtb-1', destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-1' };
    const err = await controllerError(port.replaceRoute(req, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason: 'Throttled', inert: false });
    expect(err.message).toContain('ReplaceRoute rtb-1 0.0.0.0/0');
  });

  it('maps a missing table to an inert RouteTableNotFound', async () => {
    ec2Mock.on(CreateRouteCommand).rejects(awsError('InvalidRouteTableID.NotFound'));
    const req = { routeTableId: 'rtb-gone', destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-1' };
    const err = await controllerError(port.createRoute(req, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason: 'RouteTableNotFound', inert: true });
  });
});

describe('describeNetworkInterface', () => {
  it('asks for the one interface and maps the view', async () => {
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-1',
          SourceDestCheck: false,
          AvailabilityZone: 'us-east-1a',
          SubnetId: 'subnet-1',
          VpcId: 'vpc-1',
          Attachment: { InstanceId: 'i-1', DeviceIndex: 0 },
          TagSet: [{ Key: 'role', Value: 'gateway' }],
        },
      ],
    });
    expect(await port.describeNetworkInterface('eni-1', signal)).toStrictEqual({
      networkInterfaceId: 'eni-1',
      sourceDestCheck: false,
      availabilityZone: 'us-east-1a',
      subnetId: 'subnet-1',
      vpcId: 'vpc-1',
      instanceId: 'i-1',
      tags: { role: 'gateway' },
    });
    expect(ec2Mock.commandCalls(DescribeNetworkInterfacesCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceIds: ['eni-1'],
    });
  });

  it('an unattached interface has no instance id; an absent check means enabled', async () => {
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-2' }] });
    const view = await port.describeNetworkInterface('eni-2', signal);
    expect(view?.sourceDestCheck).toBe(true);
    expect(view).not.toHaveProperty('instanceId');
  });

  it('returns undefined for InvalidNetworkInterfaceID.NotFound', async () => {
    ec2Mock.on(DescribeNetworkInterfacesCommand).rejects(awsError('InvalidNetworkInterfaceID.NotFound'));
    expect(await port.describeNetworkInterface('eni-gone', signal)).toBeUndefined();
  });
});

describe('setSourceDestCheck', () => {
  it('sends the attribute value', async () => {
    ec2Mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    await port.setSourceDestCheck('eni-1', false, signal);
    expect(ec2Mock.commandCalls(ModifyNetworkInterfaceAttributeCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-1',
      SourceDestCheck: { Value: false },
    });
  });

  it('maps a missing interface to an inert NetworkInterfaceNotFound', async () => {
    ec2Mock.on(ModifyNetworkInterfaceAttributeCommand).rejects(awsError('InvalidNetworkInterfaceID.NotFound'));
    const err = await controllerError(port.setSourceDestCheck('eni-gone', false, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason: 'NetworkInterfaceNotFound', inert: true });
  });
});

describe('tagResources', () => {
  it('sends every key for every resource', async () => {
    ec2Mock.on(CreateTagsCommand).resolves({});
    await port.tagResources(['eipalloc-1', 'rtb-1'], { 'csgw:owner': 'node-a', 'csgw:epoch': '3' }, signal);
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0]?.args[0].input).toEqual({
      Resources: ['eipalloc-1', 'rtb-1'],
      Tags: [
        { Key: 'csgw:owner', Value: 'node-a' },
        { Key: 'csgw:epoch', Value: '3' },
      ],
    });
  });

  it('makes no call when there is nothing to tag or no tag', async () => {
    await port.tagResources([], { a: 'b' }, signal);
    await port.tagResources(['rtb-1'], {}, signal);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('maps AccessDenied to MissingPermission', async () => {
    ec2Mock.on(CreateTagsCommand).rejects(awsError('AccessDenied'));
    expect((await controllerError(port.tagResources(['rtb-1'], { a: 'b' }, signal))).reason).toBe('MissingPermission');
  });
});
