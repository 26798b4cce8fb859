import { describe, expect, it } from '@jest/globals';
import { Ec2Model, type Ec2State } from './model.js';

const state = (): Ec2State => ({
  addresses: [
    { allocationId: 'eipalloc-1', publicIp: '198.51.100.1', tags: { Name: 'one' } },
    {
      allocationId: 'eipalloc-2',
      publicIp: '198.51.100.2',
      associationId: 'eipassoc-old',
      networkInterfaceId: 'eni-a',
      instanceId: 'i-a',
      tags: {},
    },
  ],
  routeTables: [
    {
      routeTableId: 'rtb-1',
      vpcId: 'vpc-1',
      routes: [
        { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' },
        { destinationCidr: '0.0.0.0/0', networkInterfaceId: 'eni-a', instanceId: 'i-a', state: 'active' },
      ],
      tags: {},
    },
  ],
  networkInterfaces: [
    {
      networkInterfaceId: 'eni-a',
      sourceDestCheck: true,
      availabilityZone: 'az-a',
      subnetId: 's',
      vpcId: 'vpc-1',
      instanceId: 'i-a',
      tags: {},
    },
    {
      networkInterfaceId: 'eni-b',
      sourceDestCheck: true,
      availabilityZone: 'az-b',
      subnetId: 's',
      vpcId: 'vpc-1',
      instanceId: 'i-b',
      tags: {},
    },
    {
      networkInterfaceId: 'eni-free',
      sourceDestCheck: true,
      availabilityZone: 'az-b',
      subnetId: 's',
      vpcId: 'vpc-1',
      tags: {},
    },
  ],
});

/** The AWS code a model call fails with, or undefined when it succeeds. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return (err as Error).name;
  }
}

describe('Ec2Model addresses', () => {
  it('describes all addresses with no ids and fails the whole call on one unknown id', () => {
    const model = new Ec2Model(state());
    expect(model.describeAddresses([]).map((a) => a.allocationId)).toEqual(['eipalloc-1', 'eipalloc-2']);
    expect(model.describeAddresses(['eipalloc-1', 'eipalloc-1'])).toHaveLength(1);
    expect(codeOf(() => model.describeAddresses(['eipalloc-1', 'eipalloc-x']))).toBe('InvalidAllocationID.NotFound');
  });

  it('returns copies, so callers cannot change the model', () => {
    const model = new Ec2Model(state());
    const [copy] = model.describeAddresses(['eipalloc-1']);
    copy!.tags['Name'] = 'changed';
    expect(model.addresses.get('eipalloc-1')?.tags).toEqual({ Name: 'one' });
  });

  it('associates a free address with a new association id and the instance of the interface', () => {
    const model = new Ec2Model(state());
    const { associationId } = model.associateAddress({
      allocationId: 'eipalloc-1',
      networkInterfaceId: 'eni-b',
      allowReassociation: false,
    });
    expect(associationId).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    expect(model.addresses.get('eipalloc-1')).toEqual({
      allocationId: 'eipalloc-1',
      publicIp: '198.51.100.1',
      associationId,
      networkInterfaceId: 'eni-b',
      instanceId: 'i-b',
      tags: { Name: 'one' },
    });
  });

  it('moves an associated address only with allowReassociation, under a new association id', () => {
    const model = new Ec2Model(state());
    const req = { allocationId: 'eipalloc-2', networkInterfaceId: 'eni-free' };
    expect(codeOf(() => model.associateAddress({ ...req, allowReassociation: false }))).toBe(
      'Resource.AlreadyAssociated',
    );
    expect(model.addresses.get('eipalloc-2')?.networkInterfaceId).toBe('eni-a');
    const { associationId } = model.associateAddress({ ...req, allowReassociation: true });
    expect(associationId).not.toBe('eipassoc-old');
    // eni-free is attached to no instance: the address must not keep the old instance.
    expect(model.addresses.get('eipalloc-2')).toEqual({
      allocationId: 'eipalloc-2',
      publicIp: '198.51.100.2',
      associationId,
      networkInterfaceId: 'eni-free',
      tags: {},
    });
  });

  it('re-associating with the same interface is allowed and gives a new association id', () => {
    const model = new Ec2Model(state());
    const first = model.associateAddress({
      allocationId: 'eipalloc-2',
      networkInterfaceId: 'eni-a',
      allowReassociation: false,
    });
    const second = model.associateAddress({
      allocationId: 'eipalloc-2',
      networkInterfaceId: 'eni-a',
      allowReassociation: false,
    });
    expect(new Set(['eipassoc-old', first.associationId, second.associationId]).size).toBe(3);
  });

  it('displaces the address already on the same interface and private IP', () => {
    const model = new Ec2Model(state());
    model.associateAddress({ allocationId: 'eipalloc-1', networkInterfaceId: 'eni-a', allowReassociation: false });
    expect(model.addresses.get('eipalloc-2')).toEqual({
      allocationId: 'eipalloc-2',
      publicIp: '198.51.100.2',
      tags: {},
    });
    model.associateAddress({
      allocationId: 'eipalloc-2',
      networkInterfaceId: 'eni-a',
      allowReassociation: false,
      privateIpAddress: '10.0.0.9',
    });
    expect(model.addresses.get('eipalloc-1')?.networkInterfaceId).toBe('eni-a');
    expect(model.addresses.get('eipalloc-2')?.privateIpAddress).toBe('10.0.0.9');
  });

  it.each([
    [{ allocationId: 'eipalloc-x', networkInterfaceId: 'eni-a' }, 'InvalidAllocationID.NotFound'],
    [{ allocationId: 'eipalloc-1', networkInterfaceId: 'eni-x' }, 'InvalidNetworkInterfaceID.NotFound'],
  ])('rejects unknown ids in %j with %s and changes nothing', (req, code) => {
    const model = new Ec2Model(state());
    expect(codeOf(() => model.associateAddress({ ...req, allowReassociation: true }))).toBe(code);
    expect(model.snapshot()).toEqual(state());
  });

  it('does not reuse association ids given in the initial state', () => {
    const taken = 'eipassoc-00000000000000001';
    const model = new Ec2Model({
      addresses: [
        {
          allocationId: 'eipalloc-1',
          publicIp: '198.51.100.1',
          associationId: taken,
          networkInterfaceId: 'eni-a',
          tags: {},
        },
      ],
      networkInterfaces: state().networkInterfaces,
    });
    const req = { allocationId: 'eipalloc-1', networkInterfaceId: 'eni-b', allowReassociation: true };
    expect(model.associateAddress(req).associationId).toBe('eipassoc-00000000000000002');
  });
});

describe('Ec2Model route tables', () => {
  const route = { routeTableId: 'rtb-1', networkInterfaceId: 'eni-b' };

  it('creates a route to an interface, showing its instance, and refuses an existing destination', () => {
    const model = new Ec2Model(state());
    model.createRoute({ ...route, destinationCidr: '192.0.2.0/24' });
    expect(model.routeTables.get('rtb-1')?.routes[2]).toEqual({
      destinationCidr: '192.0.2.0/24',
      networkInterfaceId: 'eni-b',
      instanceId: 'i-b',
      state: 'active',
    });
    expect(codeOf(() => model.createRoute({ ...route, destinationCidr: '0.0.0.0/0' }))).toBe('RouteAlreadyExists');
  });

  it('replaces an existing route in place and refuses a missing destination', () => {
    const model = new Ec2Model(state());
    model.replaceRoute({
      ...route,
      routeTableId: 'rtb-1',
      networkInterfaceId: 'eni-free',
      destinationCidr: '0.0.0.0/0',
    });
    expect(model.routeTables.get('rtb-1')?.routes[1]).toEqual({
      destinationCidr: '0.0.0.0/0',
      networkInterfaceId: 'eni-free',
      state: 'active',
    });
    expect(codeOf(() => model.replaceRoute({ ...route, destinationCidr: '192.0.2.0/24' }))).toBe(
      'InvalidRoute.NotFound',
    );
    expect(model.routeTables.get('rtb-1')?.routes).toHaveLength(2);
  });

  it.each([
    [{ routeTableId: 'rtb-x', networkInterfaceId: 'eni-b' }, 'InvalidRouteTableID.NotFound'],
    [{ routeTableId: 'rtb-1', networkInterfaceId: 'eni-x' }, 'InvalidNetworkInterfaceID.NotFound'],
  ])('create and replace reject unknown ids in %j with %s', (req, code) => {
    const model = new Ec2Model(state());
    expect(codeOf(() => model.createRoute({ ...req, destinationCidr: '192.0.2.0/24' }))).toBe(code);
    expect(codeOf(() => model.replaceRoute({ ...req, destinationCidr: '0.0.0.0/0' }))).toBe(code);
    expect(model.snapshot()).toEqual(state());
  });

  it('fails describe by ids on an unknown id, while the filter leaves it out', () => {
    const model = new Ec2Model(state());
    expect(codeOf(() => model.describeRouteTables(['rtb-1', 'rtb-x']))).toBe('InvalidRouteTableID.NotFound');
    expect(model.filterRouteTables(['rtb-1', 'rtb-x']).map((t) => t.routeTableId)).toEqual(['rtb-1']);
    expect(model.describeRouteTables([])).toEqual(state().routeTables);
  });
});

describe('Ec2Model network interfaces and tags', () => {
  it('sets the source/destination check of an existing interface only', () => {
    const model = new Ec2Model(state());
    model.setSourceDestCheck('eni-a', false);
    expect(model.describeNetworkInterfaces(['eni-a'])[0]?.sourceDestCheck).toBe(false);
    expect(codeOf(() => model.setSourceDestCheck('eni-x', false))).toBe('InvalidNetworkInterfaceID.NotFound');
  });

  it('merges tags into addresses, route tables and interfaces, overwriting given keys', () => {
    const model = new Ec2Model(state());
    model.createTags(['eipalloc-1', 'rtb-1', 'eni-a'], { Name: 'new', owner: 'csgw' });
    expect(model.addresses.get('eipalloc-1')?.tags).toEqual({ Name: 'new', owner: 'csgw' });
    expect(model.routeTables.get('rtb-1')?.tags).toEqual({ Name: 'new', owner: 'csgw' });
    model.createTags(['eni-a'], { extra: '1' });
    expect(model.networkInterfaces.get('eni-a')?.tags).toEqual({ Name: 'new', owner: 'csgw', extra: '1' });
  });

  it.each([
    ['eipalloc-x', 'InvalidAllocationID.NotFound'],
    ['rtb-x', 'InvalidRouteTableID.NotFound'],
    ['eni-x', 'InvalidNetworkInterfaceID.NotFound'],
    ['vpc-x', 'InvalidID'],
  ])('tags nothing when %s is unknown (%s)', (id, code) => {
    const model = new Ec2Model(state());
    expect(codeOf(() => model.createTags(['eipalloc-1', id], { a: 'b' }))).toBe(code);
    expect(model.snapshot()).toEqual(state());
  });

  it('does not share state with the initial objects', () => {
    const initial = state();
    const model = new Ec2Model(initial);
    initial.networkInterfaces[0]!.sourceDestCheck = false;
    expect(model.networkInterfaces.get('eni-a')?.sourceDestCheck).toBe(true);
  });
});
