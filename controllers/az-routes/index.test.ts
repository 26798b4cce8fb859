import { describe, expect, it } from '@jest/globals';
import type { RouteTableView } from '../../runtime/aws/ports.js';
import {
  awsError,
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
  snapshot,
  writesOf,
} from '../../testing/ec2-fixtures.js';
import { FakeEc2 } from '../../testing/fake-ec2.js';
import { FakeLeaseGuard } from '../../testing/fake-lease-guard.js';
import { createAzRoutesController } from './index.js';

const SCOPE = 'az/use1-az1';
const MEMBER = '222222222222';
const RTB_A = 'rtb-0aaaaaaaaaaaaaaa1';
const RTB_B = 'rtb-0bbbbbbbbbbbbbbb2';
const RTB_GONE = 'rtb-0ddddddddddddddd4';
const peerDefault = { destinationCidr: '0.0.0.0/0', networkInterfaceId: PEER_ENI, state: 'active' };
const vpnRoute = { destinationCidr: '10.8.0.0/16', transitGatewayId: 'tgw-0123456789abcdef0', state: 'active' };

function harness(
  tables: RouteTableView[] = [routeTable(RTB_A, [localRoute, peerDefault, vpnRoute]), routeTable(RTB_B, [localRoute])],
  epoch = 7,
) {
  const ec2 = new FakeEc2({ routeTables: tables, networkInterfaces: ENIS });
  const member = new FakeEc2({ routeTables: [routeTable(RTB_A, [])], networkInterfaces: ENIS });
  const asked: (string | undefined)[] = [];
  const ec2For = (accountId?: string): FakeEc2 => {
    asked.push(accountId);
    return accountId === MEMBER ? member : ec2;
  };
  const lease = new FakeLeaseGuard(SCOPE, { holder: SELF.instanceId, epoch });
  const controller = createAzRoutesController({ ec2For, identity: SELF, lease });
  return { ec2, member, asked, lease, controller };
}

const az1 = (spec: Record<string, unknown> = {}, generation = 1) =>
  snapshot('AzRoutes', { availabilityZoneId: 'use1-az1', routeTableIds: [RTB_A, RTB_B], ...spec }, 'az1', generation);

const routesOf = (ec2: FakeEc2, id: string) => ec2.routeTables.get(id)?.routes;

describe('AzRoutes with FakeEc2', () => {
  it("takes the AZ's default routes over: tags each changed table, then replaces or creates, then converges", async () => {
    const h = harness();
    const desired = decoded(h.controller, az1());
    const plan = await reconcilePass(h.controller, desired);
    expect(plan.map((a) => h.controller.describe(a))).toEqual([
      `tag ${RTB_A} with this instance's lease term`,
      `replace route 0.0.0.0/0 in ${RTB_A} -> ${SELF.primaryEniId} (was ${PEER_ENI})`,
      `tag ${RTB_B} with this instance's lease term`,
      `create route 0.0.0.0/0 in ${RTB_B} -> ${SELF.primaryEniId}`,
    ]);
    expect(writesOf(h.ec2).map((w) => w.action)).toEqual([
      'tagResources',
      'replaceRoute',
      'tagResources',
      'createRoute',
    ]);
    expect(h.ec2.routeTables.get(RTB_A)?.tags).toEqual(fenceTags(SELF.instanceId, 7, SCOPE));
    expect(routesOf(h.ec2, RTB_A)).toEqual([
      localRoute,
      {
        destinationCidr: '0.0.0.0/0',
        networkInterfaceId: SELF.primaryEniId,
        instanceId: SELF.instanceId,
        state: 'active',
      },
      vpnRoute,
    ]);
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.plan(desired, observed)).toEqual([]);
    expect(h.controller.warnings(desired, observed)).toEqual([]);
    expect(h.controller.details(desired, observed)).toMatchObject({ routes: 2, routesToTarget: 2, routeTables: 2 });
  });

  it('points routes at the override interface', async () => {
    const h = harness();
    await reconcilePass(h.controller, decoded(h.controller, az1({ networkInterfaceId: PEER_ENI })));
    expect(routesOf(h.ec2, RTB_B)).toContainEqual(
      expect.objectContaining({ destinationCidr: '0.0.0.0/0', networkInterfaceId: PEER_ENI }),
    );
  });

  it("writes a member account's tables through that account's port only", async () => {
    const h = harness();
    const desired = decoded(h.controller, az1({ routeTableIds: [RTB_A], accountId: MEMBER }));
    await reconcilePass(h.controller, desired);
    expect(writesOf(h.ec2)).toEqual([]);
    expect(writesOf(h.member).map((w) => w.action)).toEqual(['tagResources', 'createRoute']);
    expect(h.asked.filter((a) => a !== MEMBER)).toEqual([]);
  });

  it('warns about a missing table and still converges the others', async () => {
    const h = harness();
    const desired = decoded(h.controller, az1({ routeTableIds: [RTB_GONE, RTB_B] }));
    await reconcilePass(h.controller, desired);
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.plan(desired, observed)).toEqual([]);
    expect(h.controller.warnings(desired, observed)).toEqual([
      { reason: 'RouteTableNotFound', message: `route table ${RTB_GONE} not found: its routes are skipped` },
    ]);
    expect(routesOf(h.ec2, RTB_B)).toHaveLength(2);
  });

  it('is fenced out, writing nothing, when a newer AZ leader has stamped a table', async () => {
    const h = harness([routeTable(RTB_A, [peerDefault], fenceTags('i-new', 9, SCOPE)), routeTable(RTB_B, [])], 5);
    const desired = decoded(h.controller, az1());
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(() => h.controller.plan(desired, observed)).toThrow(expect.objectContaining({ reason: 'FencedOut' }));
    expect(writesOf(h.ec2)).toEqual([]);
  });

  it('writes nothing when the lease is lost between observe and apply', async () => {
    const h = harness();
    const desired = decoded(h.controller, az1());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.lease.lose();
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'LeaseLost' });
    expect(writesOf(h.ec2)).toEqual([]);
  });

  it('checks the lease right before every write: a lease lost mid-apply stops the next write', async () => {
    const h = harness();
    const desired = decoded(h.controller, az1());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.lease.loseAfter(2);
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'LeaseLost' });
    expect(writesOf(h.ec2).map((w) => w.action)).toEqual(['tagResources', 'replaceRoute']);
  });

  it.each([
    ['replaceRoute', 'UnauthorizedOperation', 'MissingPermission', true],
    ['replaceRoute', 'RequestLimitExceeded', 'Throttled', false],
    ['tagResources', 'UnauthorizedOperation', 'MissingPermission', true],
  ] as const)('a failed %s (%s) propagates as ControllerError %s', async (action, code, reason, inert) => {
    const h = harness();
    const desired = decoded(h.controller, az1());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.ec2.failNext(action, awsError(code));
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ name: 'ControllerError', reason, inert });
    expect(routesOf(h.ec2, RTB_A)).toContainEqual(peerDefault);
  });

  it('a throttled observe propagates as ControllerError Throttled', async () => {
    const h = harness();
    const desired = decoded(h.controller, az1());
    h.ec2.failNext('describeRouteTables', awsError('Throttling'));
    await expect(h.controller.observe(signal(), { ...FULL, desired })).rejects.toMatchObject({
      reason: 'Throttled',
      inert: false,
    });
  });

  it('observes the route tables the given desired state names, not those of the last decode', async () => {
    const h = harness();
    const first = decoded(h.controller, az1({ routeTableIds: [RTB_A] }));
    const second = decoded(h.controller, az1({ routeTableIds: [RTB_B] }, 2));
    await h.controller.observe(signal(), { ...FULL, desired: first });
    await h.controller.observe(signal(), { ...FULL, desired: second });
    expect(h.ec2.callsOf('describeRouteTables')).toEqual([[RTB_A], [RTB_B]]);
  });

  it('owns nothing without a resource for this AZ: reads and writes nothing, leaves routes as they are', async () => {
    const h = harness();
    const desired = decoded(
      h.controller,
      snapshot('AzRoutes', { availabilityZoneId: 'use1-az2', routeTableIds: [RTB_A] }, 'az2'),
    );
    expect(await reconcilePass(h.controller, desired)).toEqual([]);
    expect(h.ec2.calls).toEqual([]);
  });

  it('is gated by its AZ lease, and probes without any call: an AZ without AzRoutes needs no operational role', async () => {
    const h = harness();
    expect(h.controller.lease?.scope).toBe(SCOPE);
    await expect(h.controller.probe(signal())).resolves.toMatchObject({
      ok: true,
      details: { mechanism: 'ec2 ReplaceRoute (operational role 1)' },
    });
    expect(h.asked).toEqual([]);
    expect(h.ec2.calls).toEqual([]);
  });
});
