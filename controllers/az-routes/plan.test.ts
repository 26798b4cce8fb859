import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RouteTableView, RouteView } from '../../runtime/aws/ports.js';
import type { DesiredState } from '../../runtime/controller.js';
import { FakeEc2 } from '../../testing/fake-ec2.js';
import { FakeLeaseGuard } from '../../testing/fake-lease-guard.js';
import {
  decoded,
  ENIS,
  fenceTags,
  FULL,
  localRoute,
  PEER_ENI,
  reconcilePass,
  routeTable,
  SELF,
  signal,
} from '../../testing/ec2-fixtures.js';
import { createAzRoutesController } from './index.js';
import { routeKey } from './decode.js';
import { describeAzRoutesAction, planAzRoutes } from './plan.js';
import type { AzRoutesDesired, AzRoutesObserved, OwnedRoute } from './types.js';
import { planError } from '../../testing/controller-error.js';

const ENI = SELF.primaryEniId;
const SCOPE = 'az/use1-az1';
const token = { scope: SCOPE, holder: SELF.instanceId, epoch: 7, version: 7 };
const TABLES = ['rtb-0000000000000000a', 'rtb-0000000000000000b', 'rtb-0000000000000000c', 'rtb-0000000000000000d'];
const [RTB_A = '', RTB_B = ''] = TABLES;
const NAT: RouteView = { destinationCidr: '0.0.0.0/0', natGatewayId: 'nat-0123456789abcdef0', state: 'active' };

const owned = (routeTableId: string, destinationCidr = '0.0.0.0/0', accountId?: string): OwnedRoute => ({
  ...(accountId ? { accountId } : {}),
  routeTableId,
  destinationCidr,
  networkInterfaceId: ENI,
  resource: 'az1',
});
const desired = (...routes: OwnedRoute[]): DesiredState<AzRoutesDesired> => ({
  name: 'az1',
  generation: 1,
  spec: { availabilityZoneId: 'use1-az1', routes },
});
/** Observed for the given tables; every table a desired route names is requested in the own account. */
const observed = (tables: RouteTableView[], requested = tables.map((t) => t.routeTableId)): AzRoutesObserved => ({
  accounts: [{ requested, tables }],
  token,
});
const ours = (destinationCidr = '0.0.0.0/0'): RouteView => ({
  destinationCidr,
  networkInterfaceId: ENI,
  state: 'active',
});
const tag = (routeTableId: string) => ({ op: 'tagFencing', routeTableId });
const write = (
  op: 'createRoute' | 'replaceRoute',
  routeTableId: string,
  destinationCidr = '0.0.0.0/0',
  from?: string,
) => ({
  op,
  routeTableId,
  destinationCidr,
  networkInterfaceId: ENI,
  ...(from ? { from } : {}),
});

describe('planAzRoutes', () => {
  it.each<[string, DesiredState<AzRoutesDesired>, AzRoutesObserved, unknown[]]>([
    [
      'replaces a NAT gateway default route',
      desired(owned(RTB_A)),
      observed([routeTable(RTB_A, [localRoute, NAT])]),
      [tag(RTB_A), write('replaceRoute', RTB_A, '0.0.0.0/0', 'nat-0123456789abcdef0')],
    ],
    [
      'takes a route over from the old leader',
      desired(owned(RTB_A)),
      observed([
        routeTable(RTB_A, [{ destinationCidr: '0.0.0.0/0', networkInterfaceId: PEER_ENI, state: 'blackhole' }]),
      ]),
      [tag(RTB_A), write('replaceRoute', RTB_A, '0.0.0.0/0', `${PEER_ENI}, blackhole`)],
    ],
    [
      'creates a missing route',
      desired(owned(RTB_A)),
      observed([routeTable(RTB_A, [localRoute])]),
      [tag(RTB_A), write('createRoute', RTB_A)],
    ],
    [
      'does nothing when the route is ours',
      desired(owned(RTB_A)),
      observed([routeTable(RTB_A, [localRoute, ours()])]),
      [],
    ],
    [
      'ours even when a newer term tagged the table (no write, nothing to fence)',
      desired(owned(RTB_A)),
      observed([routeTable(RTB_A, [ours()], fenceTags('i-new', 9, SCOPE))]),
      [],
    ],
    [
      'tags only the tables it changes, once each',
      desired(owned(RTB_A), owned(RTB_A, '10.9.0.0/16'), owned(RTB_B)),
      observed([routeTable(RTB_A, [NAT]), routeTable(RTB_B, [ours()])]),
      [
        tag(RTB_A),
        write('replaceRoute', RTB_A, '0.0.0.0/0', 'nat-0123456789abcdef0'),
        write('createRoute', RTB_A, '10.9.0.0/16'),
      ],
    ],
    [
      'skips a listed table that does not exist; the others converge',
      desired(owned(RTB_A), owned(RTB_B)),
      observed([routeTable(RTB_B, [])], [RTB_A, RTB_B]),
      [tag(RTB_B), write('createRoute', RTB_B)],
    ],
    [
      'a newer term of another scope does not fence',
      desired(owned(RTB_A)),
      observed([routeTable(RTB_A, [], fenceTags('i-az2', 99, 'az/use1-az2'))]),
      [tag(RTB_A), write('createRoute', RTB_A)],
    ],
    ['no resource: owns nothing', { spec: { availabilityZoneId: 'use1-az1', routes: [] } }, { accounts: [] }, []],
  ])('%s', (_what, d, o, actions) => {
    expect(planAzRoutes(d, o)).toEqual(actions);
  });

  it('routes a member account through its own port', () => {
    const o: AzRoutesObserved = {
      accounts: [{ accountId: '222222222222', requested: [RTB_A], tables: [routeTable(RTB_A)] }],
      token,
    };
    expect(planAzRoutes(desired(owned(RTB_A, '0.0.0.0/0', '222222222222')), o)).toEqual([
      { op: 'tagFencing', accountId: '222222222222', routeTableId: RTB_A },
      { ...write('createRoute', RTB_A), accountId: '222222222222' },
    ]);
  });

  it('is fenced out by a newer term of this AZ lease', () => {
    const err = planError(() =>
      planAzRoutes(desired(owned(RTB_A)), observed([routeTable(RTB_A, [NAT], fenceTags('i-new', 8, SCOPE))])),
    );
    expect(err).toMatchObject({ reason: 'FencedOut', inert: false });
    expect(err.message).toMatch(new RegExp(`^route table ${RTB_A} was written by i-new under ${SCOPE} epoch 8`));
  });

  it('refuses to plan a table that was not observed', () => {
    expect(planError(() => planAzRoutes(desired(owned(RTB_A)), observed([])))).toMatchObject({
      reason: 'ObservedStale',
    });
  });
});

describe('describeAzRoutesAction', () => {
  it('describes every action on one line', () => {
    expect(describeAzRoutesAction({ op: 'tagFencing', routeTableId: RTB_A, accountId: '222222222222' })).toBe(
      `tag ${RTB_A} (account 222222222222) with this instance's lease term`,
    );
    expect(describeAzRoutesAction({ ...write('replaceRoute', RTB_A, '0.0.0.0/0', 'nat-1'), op: 'replaceRoute' })).toBe(
      `replace route 0.0.0.0/0 in ${RTB_A} -> ${ENI} (was nat-1)`,
    );
    expect(describeAzRoutesAction({ ...write('createRoute', RTB_B, '10.9.0.0/16'), op: 'createRoute' })).toBe(
      `create route 10.9.0.0/16 in ${RTB_B} -> ${ENI}`,
    );
  });
});

const DESTS = ['0.0.0.0/0', '10.1.0.0/16', '10.2.0.0/16', '172.16.0.0/12', '192.168.0.0/24'];
const target = fc.constantFrom<Partial<RouteView>>(
  { networkInterfaceId: ENI },
  { networkInterfaceId: PEER_ENI },
  { natGatewayId: 'nat-0123456789abcdef0' },
  { gatewayId: 'igw-0123456789abcdef0' },
);
/** Any state of the four tables: each may be missing, and holds any routes to any target. */
const tablesArb: fc.Arbitrary<RouteTableView[]> = fc
  .tuple(
    ...TABLES.map((id) =>
      fc.option(
        fc
          .uniqueArray(fc.tuple(fc.constantFrom(...DESTS), target), { selector: ([d]) => d, maxLength: DESTS.length })
          .map((routes) =>
            routeTable(
              id,
              routes.map(([destinationCidr, t]) => ({ destinationCidr, ...t, state: 'active' })),
            ),
          ),
        { nil: undefined },
      ),
    ),
  )
  .map((tables) => tables.filter((t): t is RouteTableView => t !== undefined));
/** The routes a spec may list: some tables, some destinations, every pair of them. */
const listedArb: fc.Arbitrary<OwnedRoute[]> = fc
  .tuple(fc.subarray(TABLES, { minLength: 1 }), fc.subarray(DESTS, { minLength: 1 }))
  .map(([tables, dests]) => tables.flatMap((t) => dests.map((d) => owned(t, d))));

describe('AzRoutes properties', () => {
  it('never names a (table, destination) it does not list, and tags only listed tables', () => {
    fc.assert(
      fc.property(listedArb, tablesArb, (listed, tables) => {
        const keys = new Set(listed.map(routeKey));
        const requested = [...new Set(listed.map((r) => r.routeTableId))];
        for (const action of planAzRoutes(desired(...listed), observed(tables, requested))) {
          if (action.op === 'tagFencing') expect(requested).toContain(action.routeTableId);
          else expect(keys.has(routeKey(action))).toBe(true);
        }
      }),
    );
  });

  it('plans each listed route of an existing table exactly when it does not point at us', () => {
    fc.assert(
      fc.property(listedArb, tablesArb, (listed, tables) => {
        const requested = [...new Set(listed.map((r) => r.routeTableId))];
        const written = planAzRoutes(desired(...listed), observed(tables, requested))
          .filter((a) => a.op !== 'tagFencing')
          .map(routeKey);
        const wrong = listed.filter((r) => {
          const table = tables.find((t) => t.routeTableId === r.routeTableId);
          return (
            table && !table.routes.some((x) => x.destinationCidr === r.destinationCidr && x.networkInterfaceId === ENI)
          );
        });
        expect(written.sort()).toEqual(wrong.map(routeKey).sort());
      }),
    );
  });

  it('one pass converges and leaves every unlisted route as it was', async () => {
    await fc.assert(
      fc.asyncProperty(listedArb, tablesArb, async (listed, tables) => {
        const ec2 = new FakeEc2({ routeTables: tables, networkInterfaces: ENIS });
        const lease = new FakeLeaseGuard(SCOPE, { holder: SELF.instanceId, epoch: 7 });
        const controller = createAzRoutesController({ ec2For: () => ec2, identity: SELF, lease });
        const tableIds = [...new Set(listed.map((r) => r.routeTableId))];
        const dests = [...new Set(listed.map((r) => r.destinationCidr))];
        const spec = { availabilityZoneId: 'use1-az1', routeTableIds: tableIds, destinationCidrs: dests };
        const d = decoded(controller, {
          kind: 'AzRoutes',
          resources: [{ name: 'az1', generation: 1, value: JSON.stringify(spec) }],
        });
        const keys = new Set(listed.map(routeKey));
        const unlisted = (): RouteView[] =>
          [...ec2.routeTables.values()].flatMap((t) =>
            t.routes.filter(
              (r) => !keys.has(routeKey({ routeTableId: t.routeTableId, destinationCidr: r.destinationCidr })),
            ),
          );
        const before = unlisted();
        await reconcilePass(controller, d);
        expect(controller.plan(d, await controller.observe(signal(), { ...FULL, desired: d }))).toEqual([]);
        expect(unlisted()).toEqual(before);
      }),
    );
  });
});
