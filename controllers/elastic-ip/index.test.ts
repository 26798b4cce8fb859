import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { AddressView } from '../../runtime/aws/ports.js';
import {
  address,
  ALLOCATION,
  awsError,
  decoded,
  ENIS,
  fenceTags,
  FULL,
  PEER_ENI,
  PUBLIC_IP,
  reconcilePass,
  SECOND_ENI,
  SELF,
  signal,
  snapshot,
  writesOf,
} from '../../testing/ec2-fixtures.js';
import { FakeEc2 } from '../../testing/fake-ec2.js';
import { FakeLeaseGuard } from '../../testing/fake-lease-guard.js';
import { createElasticIpController } from './index.js';

function harness(
  addr: AddressView = address({ associationId: 'eipassoc-9', networkInterfaceId: PEER_ENI }),
  epoch = 7,
) {
  const ec2 = new FakeEc2({ addresses: [addr], networkInterfaces: ENIS });
  const lease = new FakeLeaseGuard('cluster', { holder: SELF.instanceId, epoch });
  const controller = createElasticIpController({ ec2, identity: SELF, lease });
  return { ec2, lease, controller };
}

const OTHER_ALLOCATION = 'eipalloc-0fedcba9876543210';

const master = (spec: Record<string, unknown> = {}, generation = 1) =>
  snapshot('ElasticIp', { allocationId: ALLOCATION, ...spec }, 'master', generation);

describe('ElasticIp with FakeEc2', () => {
  it('takes the address over from the old leader: tags it with our term, then associates it', async () => {
    const h = harness();
    const desired = decoded(h.controller, master());
    const plan = await reconcilePass(h.controller, desired);
    expect(plan.map((a) => h.controller.describe(a))).toEqual([
      `tag ${ALLOCATION} with this instance's lease term`,
      `associate 203.0.113.10 (${ALLOCATION}) with ${SELF.primaryEniId} (was ${PEER_ENI})`,
    ]);
    expect(writesOf(h.ec2)).toEqual([
      { action: 'tagResources', args: { resourceIds: [ALLOCATION], tags: fenceTags(SELF.instanceId, 7, 'cluster') } },
      { action: 'associateAddress', args: { allocationId: ALLOCATION, networkInterfaceId: SELF.primaryEniId } },
    ]);
    expect(h.ec2.addresses.get(ALLOCATION)).toMatchObject({ networkInterfaceId: SELF.primaryEniId });
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.plan(desired, observed)).toEqual([]);
    expect(h.controller.details(desired, observed)).toMatchObject({
      publicIp: '203.0.113.10',
      allocationId: ALLOCATION,
      networkInterfaceId: SELF.primaryEniId,
      holder: SELF.instanceId,
      epoch: 7,
    });
  });

  it('associates an unassociated address with the override interface', async () => {
    const h = harness(address());
    await reconcilePass(h.controller, decoded(h.controller, master({ networkInterfaceId: SECOND_ENI })));
    expect(h.ec2.addresses.get(ALLOCATION)).toMatchObject({ networkInterfaceId: SECOND_ENI });
  });

  it('checks the lease right before every write', async () => {
    const h = harness();
    const desired = decoded(h.controller, master());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    const before = h.lease.checks;
    await h.controller.apply(plan, signal());
    expect(h.lease.checks - before).toBe(writesOf(h.ec2).length);
  });

  it('writes nothing when the lease is lost between observe and apply', async () => {
    const h = harness();
    const desired = decoded(h.controller, master());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.lease.lose();
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'LeaseLost', inert: false });
    expect(writesOf(h.ec2)).toEqual([]);
    expect(h.ec2.addresses.get(ALLOCATION)).toMatchObject({ networkInterfaceId: PEER_ENI });
  });

  it('does not associate when the lease expires while the tag is being written', async () => {
    const h = harness();
    const desired = decoded(h.controller, master());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.lease.loseAfter(1);
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'LeaseLost' });
    expect(writesOf(h.ec2).map((w) => w.action)).toEqual(['tagResources']);
  });

  it('is fenced out, writing nothing, when a newer leader has stamped the address', async () => {
    const h = harness(
      address({ associationId: 'eipassoc-9', networkInterfaceId: PEER_ENI, tags: fenceTags('i-new', 9, 'cluster') }),
      5,
    );
    const desired = decoded(h.controller, master());
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(() => h.controller.plan(desired, observed)).toThrow(expect.objectContaining({ reason: 'FencedOut' }));
    expect(writesOf(h.ec2)).toEqual([]);
  });

  it('plans the move without the lease (csgw diff) but refuses to apply it', async () => {
    const h = harness();
    h.lease.lose();
    const desired = decoded(h.controller, master());
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(observed.token).toBeUndefined();
    const plan = h.controller.plan(desired, observed);
    expect(plan).toHaveLength(2);
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ reason: 'LeaseLost' });
    expect(writesOf(h.ec2)).toEqual([]);
  });

  it.each([
    ['associateAddress', 'UnauthorizedOperation', 'MissingPermission', true],
    ['associateAddress', 'RequestLimitExceeded', 'Throttled', false],
    ['tagResources', 'AccessDenied', 'MissingPermission', true],
  ] as const)('a failed %s (%s) propagates as ControllerError %s', async (action, code, reason, inert) => {
    const h = harness();
    const desired = decoded(h.controller, master());
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.ec2.failNext(action, awsError(code));
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ name: 'ControllerError', reason, inert });
    expect(h.ec2.addresses.get(ALLOCATION)).toMatchObject({ networkInterfaceId: PEER_ENI });
  });

  it('a throttled observe propagates as ControllerError Throttled', async () => {
    const h = harness();
    const desired = decoded(h.controller, master());
    h.ec2.failNext('describeAddress', awsError('ThrottlingException'));
    await expect(h.controller.observe(signal(), { ...FULL, desired })).rejects.toMatchObject({
      reason: 'Throttled',
      inert: false,
    });
  });

  it('reports a missing allocation as inert AllocationNotFound', async () => {
    const h = harness();
    const desired = decoded(h.controller, snapshot('ElasticIp', { allocationId: 'eipalloc-99999999' }, 'master'));
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(() => h.controller.plan(desired, observed)).toThrow(
      expect.objectContaining({ reason: 'AllocationNotFound', inert: true }),
    );
  });

  it('owns nothing without a resource: reads nothing, plans nothing, the address stays', async () => {
    const h = harness();
    const desired = decoded(h.controller, { kind: 'ElasticIp', resources: [] });
    expect(await reconcilePass(h.controller, desired)).toEqual([]);
    expect(h.ec2.calls).toEqual([]);
  });

  it('observes the allocation the given desired state names, not the one of the last decode', async () => {
    const h = harness();
    const first = decoded(h.controller, master());
    const second = decoded(h.controller, master({ allocationId: OTHER_ALLOCATION }, 2));
    h.ec2.addresses.set(OTHER_ALLOCATION, address({ allocationId: OTHER_ALLOCATION, publicIp: '203.0.113.20' }));
    const read = async (desired: typeof first) => (await h.controller.observe(signal(), { ...FULL, desired })).address;
    expect(await read(first)).toMatchObject({ allocationId: ALLOCATION, publicIp: PUBLIC_IP });
    expect(await read(second)).toMatchObject({ allocationId: OTHER_ALLOCATION, publicIp: '203.0.113.20' });
    expect(h.ec2.callsOf('describeAddress')).toEqual([ALLOCATION, OTHER_ALLOCATION]);
  });

  it('uses only "master" and lists the others as ignored', () => {
    const h = harness();
    const result = h.controller.decode({
      kind: 'ElasticIp',
      resources: [
        { name: 'master', generation: 3, value: JSON.stringify({ allocationId: ALLOCATION }) },
        { name: 'spare', generation: 1, value: '{}' },
      ],
    });
    expect(result).toEqual({
      ok: true,
      desired: {
        name: 'master',
        generation: 3,
        spec: { allocationId: ALLOCATION, networkInterfaceId: SELF.primaryEniId, networkInterfaceSource: 'identity' },
      },
      ignored: [{ name: 'spare', reason: 'only "master" is used: ElasticIp is one per gateway' }],
    });
  });

  it('is gated by the cluster lease', () => {
    expect(harness().controller.lease?.scope).toBe('cluster');
  });

  it('probes with a read of the primary interface', async () => {
    const h = harness();
    await expect(h.controller.probe(signal())).resolves.toMatchObject({
      ok: true,
      details: { mechanism: 'ec2 AssociateAddress' },
    });
    h.ec2.failNext('describeNetworkInterface', awsError('UnauthorizedOperation'));
    await expect(h.controller.probe(signal())).resolves.toMatchObject({ ok: false, reason: 'MissingPermission' });
    expect(writesOf(h.ec2)).toEqual([]);
  });
});

describe('ElasticIp idempotence', () => {
  it('one pass converges from any association: apply(plan), observe, plan == []', async () => {
    const where = fc.constantFrom(undefined, SELF.primaryEniId, PEER_ENI, SECOND_ENI);
    await fc.assert(
      fc.asyncProperty(where, where, fc.nat({ max: 6 }), async (current, override, olderEpoch) => {
        const addr = address({
          ...(current ? { associationId: 'eipassoc-1', networkInterfaceId: current } : {}),
          tags: fenceTags('i-old', olderEpoch, 'cluster'),
        });
        const h = harness(addr, 7);
        const desired = decoded(h.controller, master(override ? { networkInterfaceId: override } : {}));
        await reconcilePass(h.controller, desired);
        expect(h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }))).toEqual([]);
        expect(h.ec2.addresses.get(ALLOCATION)?.networkInterfaceId).toBe(override ?? SELF.primaryEniId);
      }),
    );
  });
});
