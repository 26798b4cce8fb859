import { describe, expect, it } from '@jest/globals';
import type { KindSnapshot } from '../../runtime/controller.js';
import { SELF } from '../../testing/ec2-fixtures.js';
import { decodeAzRoutes } from './decode.js';

const RTB_A = 'rtb-0aaaaaaaaaaaaaaa1';
const RTB_B = 'rtb-0bbbbbbbbbbbbbbb2';

function snap(...resources: [name: string, spec: unknown, generation?: number][]): KindSnapshot {
  return {
    kind: 'AzRoutes',
    resources: resources.map(([name, spec, generation = 1]) => ({
      name,
      generation,
      value: typeof spec === 'string' ? spec : JSON.stringify(spec),
    })),
  };
}

const az1 = (spec: Record<string, unknown> = {}) => ({
  availabilityZoneId: 'use1-az1',
  routeTableIds: [RTB_A],
  ...spec,
});

describe('decodeAzRoutes', () => {
  it('expands a resource into one owned route per (table, destination), defaulting the target to our ENI', () => {
    const result = decodeAzRoutes(
      snap(['az1', az1({ routeTableIds: [RTB_A, RTB_B], destinationCidrs: ['0.0.0.0/0', '10.9.0.0/16'] }), 4]),
      SELF,
    );
    const route = (routeTableId: string, destinationCidr: string) => ({
      routeTableId,
      destinationCidr,
      networkInterfaceId: SELF.primaryEniId,
      resource: 'az1',
    });
    expect(result).toEqual({
      ok: true,
      desired: {
        name: 'az1',
        generation: 4,
        spec: {
          availabilityZoneId: 'use1-az1',
          routes: [
            route(RTB_A, '0.0.0.0/0'),
            route(RTB_A, '10.9.0.0/16'),
            route(RTB_B, '0.0.0.0/0'),
            route(RTB_B, '10.9.0.0/16'),
          ],
        },
      },
      ignored: [],
    });
  });

  it('ignores the resources of other AZs, even invalid ones (their own gateways report them)', () => {
    const result = decodeAzRoutes(
      snap(['az1', az1()], ['az2', { availabilityZoneId: 'use1-az2', routeTableIds: ['not a table'] }]),
      SELF,
    );
    expect(result).toMatchObject({
      ok: true,
      desired: { name: 'az1' },
      ignored: [{ name: 'az2', reason: 'routes of use1-az2; this instance is in use1-az1' }],
    });
  });

  it('owns nothing when this AZ has no resource', () => {
    expect(decodeAzRoutes(snap(['az2', { ...az1(), availabilityZoneId: 'use1-az2' }]), SELF)).toEqual({
      ok: true,
      desired: { spec: { availabilityZoneId: 'use1-az1', routes: [] } },
      ignored: [{ name: 'az2', reason: 'routes of use1-az2; this instance is in use1-az1' }],
    });
  });

  it.each([
    ['invalid JSON', '{"availabilityZoneId":', /not valid JSON/],
    [
      'a malformed AZ (not taken for another AZ)',
      { ...az1(), availabilityZoneId: 'use1-az1"; x' },
      /availabilityZoneId/,
    ],
    ['no AZ at all', { routeTableIds: [RTB_A] }, /availabilityZoneId/],
    ['an invalid spec for our AZ', az1({ routeTableIds: [] }), /routeTableIds/],
  ])('rejects %s with the generation that carried it', (_what, spec, message) => {
    const result = decodeAzRoutes(snap(['ok', az1({ routeTableIds: [RTB_B] })], ['bad', spec, 6]), SELF);
    expect(result).toMatchObject({ ok: false, name: 'bad', generation: 6 });
    if (!result.ok) expect(result.errors.join('\n')).toMatch(message);
  });

  it('merges resources of one AZ: names joined, the newest generation', () => {
    const result = decodeAzRoutes(snap(['a', az1(), 3], ['b', az1({ routeTableIds: [RTB_B] }), 8]), SELF);
    expect(result).toMatchObject({ ok: true, desired: { name: 'a,b', generation: 8 } });
    if (result.ok)
      expect(result.desired.spec.routes.map((r) => [r.resource, r.routeTableId])).toEqual([
        ['a', RTB_A],
        ['b', RTB_B],
      ]);
  });

  it('rejects two resources claiming the same route', () => {
    const result = decodeAzRoutes(
      snap(
        ['a', az1({ destinationCidrs: ['0.0.0.0/0'] })],
        ['b', az1({ destinationCidrs: ['10.0.0.0/8', '0.0.0.0/0'] }), 2],
      ),
      SELF,
    );
    expect(result).toEqual({
      ok: false,
      name: 'b',
      generation: 2,
      errors: [`route 0.0.0.0/0 in ${RTB_A} is also listed by AzRoutes/a`],
    });
  });

  it('treats our own account named explicitly as our account', () => {
    const result = decodeAzRoutes(snap(['a', az1()], ['b', az1({ accountId: SELF.accountId })]), SELF);
    expect(result).toMatchObject({ ok: false, name: 'b' });
  });

  it('keeps the same table id in another account apart, routed through that account', () => {
    const result = decodeAzRoutes(
      snap(['a', az1()], ['b', az1({ accountId: '222222222222', networkInterfaceId: 'eni-12345678' })]),
      SELF,
    );
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.desired.spec.routes).toEqual([
      { routeTableId: RTB_A, destinationCidr: '0.0.0.0/0', networkInterfaceId: SELF.primaryEniId, resource: 'a' },
      {
        accountId: '222222222222',
        routeTableId: RTB_A,
        destinationCidr: '0.0.0.0/0',
        networkInterfaceId: 'eni-12345678',
        resource: 'b',
      },
    ]);
  });
});
