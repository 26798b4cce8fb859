// Tests testing/fake-ec2.ts (the in-memory Ec2Port); it lives here because the unit jest project does not match testing/.
import { describe, expect, it } from '@jest/globals';
import { ControllerError } from '../../runtime/controller.js';
import { FakeEc2 } from '../../testing/fake-ec2.js';

const signal = new AbortController().signal;

const fake = (): FakeEc2 =>
  new FakeEc2({
    addresses: [{ allocationId: 'eipalloc-1', publicIp: '198.51.100.1', tags: {} }],
    routeTables: [{ routeTableId: 'rtb-1', vpcId: 'vpc-1', routes: [], tags: {} }],
    networkInterfaces: [
      {
        networkInterfaceId: 'eni-a',
        sourceDestCheck: true,
        availabilityZone: 'a',
        subnetId: 's',
        vpcId: 'vpc-1',
        tags: {},
      },
    ],
  });

function awsError(code: string): Error {
  const err = new Error(`AWS says ${code}`);
  err.name = code;
  return err;
}

async function failure(promise: Promise<unknown>): Promise<ControllerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ControllerError)) throw new Error(`expected a ControllerError, got ${String(err)}`);
  return err;
}

describe('FakeEc2', () => {
  it('reads absent addresses, interfaces and route tables as absent, not as failures', async () => {
    const ec2 = fake();
    expect(await ec2.describeAddress('eipalloc-x', signal)).toBeUndefined();
    expect(await ec2.describeNetworkInterface('eni-x', signal)).toBeUndefined();
    expect(await ec2.describeRouteTables(['rtb-1', 'rtb-x'], signal)).toEqual([
      { routeTableId: 'rtb-1', vpcId: 'vpc-1', routes: [], tags: {} },
    ]);
  });

  it('always allows reassociation and exposes the result in its maps', async () => {
    const ec2 = fake();
    const first = await ec2.associateAddress({ allocationId: 'eipalloc-1', networkInterfaceId: 'eni-a' }, signal);
    const second = await ec2.associateAddress({ allocationId: 'eipalloc-1', networkInterfaceId: 'eni-a' }, signal);
    expect(second.associationId).not.toBe(first.associationId);
    expect(ec2.addresses.get('eipalloc-1')?.associationId).toBe(second.associationId);
    expect(await ec2.describeAddress('eipalloc-1', signal)).toEqual(ec2.addresses.get('eipalloc-1'));
  });

  it.each([
    ['UnauthorizedOperation', 'MissingPermission', true],
    ['RequestLimitExceeded', 'Throttled', false],
  ])('maps an injected %s to %s', async (code, reason, inert) => {
    const ec2 = fake();
    ec2.failNext('setSourceDestCheck', awsError(code));
    const err = await failure(ec2.setSourceDestCheck('eni-a', false, signal));
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason, inert });
    expect(err.message).not.toContain('AWS says');
    expect(ec2.networkInterfaces.get('eni-a')?.sourceDestCheck).toBe(true);
  });

  it('maps model errors by the table in runtime/aws/ports.ts', async () => {
    const ec2 = fake();
    const req = { routeTableId: 'rtb-1', destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-a' };
    expect((await failure(ec2.replaceRoute(req, signal))).reason).toBe('AwsApiError');
    expect((await failure(ec2.createRoute({ ...req, routeTableId: 'rtb-x' }, signal))).reason).toBe(
      'RouteTableNotFound',
    );
    const assoc = ec2.associateAddress({ allocationId: 'eipalloc-x', networkInterfaceId: 'eni-a' }, signal);
    expect((await failure(assoc)).reason).toBe('AllocationNotFound');
    expect((await failure(ec2.setSourceDestCheck('eni-x', false, signal))).reason).toBe('NetworkInterfaceNotFound');
    await ec2.createRoute(req, signal);
    expect((await failure(ec2.createRoute(req, signal))).message).toContain('RouteAlreadyExists');
  });

  it('queues failNext errors, then fails always until cleared, passing a ControllerError through', async () => {
    const ec2 = fake();
    const own = new ControllerError('OperationalRoleUnavailable', 'no role', true);
    ec2.failNext('describeAddress', own);
    ec2.failNext('describeAddress', awsError('RequestLimitExceeded'));
    ec2.failAlways('describeAddress', awsError('UnauthorizedOperation'));
    expect(await failure(ec2.describeAddress('eipalloc-1', signal))).toBe(own);
    expect((await failure(ec2.describeAddress('eipalloc-1', signal))).reason).toBe('Throttled');
    expect((await failure(ec2.describeAddress('eipalloc-1', signal))).reason).toBe('MissingPermission');
    expect((await failure(ec2.describeAddress('eipalloc-1', signal))).reason).toBe('MissingPermission');
    expect(await ec2.describeNetworkInterface('eni-a', signal)).toBeDefined();
    ec2.clearFailures();
    expect(await ec2.describeAddress('eipalloc-1', signal)).toBeDefined();
  });

  it('records every call that reached it, failed or not, but not aborted ones', async () => {
    const ec2 = fake();
    ec2.failNext('tagResources', awsError('UnauthorizedOperation'));
    await failure(ec2.tagResources(['eni-a'], { a: '1' }, signal));
    await ec2.tagResources(['eni-a', 'rtb-1'], { a: '2' }, signal);
    const aborted = new AbortController();
    aborted.abort();
    expect((await failure(ec2.setSourceDestCheck('eni-a', false, aborted.signal))).reason).toBe('AwsApiError');
    expect(ec2.calls).toEqual([
      { action: 'tagResources', args: { resourceIds: ['eni-a'], tags: { a: '1' } } },
      { action: 'tagResources', args: { resourceIds: ['eni-a', 'rtb-1'], tags: { a: '2' } } },
    ]);
    expect(ec2.callsOf('tagResources')).toHaveLength(2);
    expect(ec2.routeTables.get('rtb-1')?.tags).toEqual({ a: '2' });
  });

  it('sends nothing for an empty tag request, like the real adapter', async () => {
    const ec2 = fake();
    await ec2.tagResources(['eni-x'], {}, signal);
    await ec2.tagResources([], { a: '1' }, signal);
    expect(ec2.networkInterfaces.get('eni-a')?.tags).toEqual({});
  });
});
