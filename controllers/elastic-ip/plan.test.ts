import { describe, expect, it } from '@jest/globals';
import type { DesiredState } from '../../runtime/controller.js';
import { address, ALLOCATION, fenceTags, PEER_ENI, PUBLIC_IP, SECOND_ENI, SELF } from '../../testing/ec2-fixtures.js';
import { resolveTarget } from './decode.js';
import { describeElasticIpAction, planElasticIp } from './plan.js';
import type { ElasticIpObserved, ElasticIpTarget } from './types.js';
import { planError } from '../../testing/controller-error.js';

const token = { scope: 'cluster', holder: SELF.instanceId, epoch: 7, version: 7 };
const target = resolveTarget({ allocationId: ALLOCATION }, SELF);
const desired = (t: ElasticIpTarget | null = target): DesiredState<ElasticIpTarget | null> => ({
  name: 'master',
  generation: 1,
  spec: t,
});
const observed = (over: Partial<ElasticIpObserved> = {}): ElasticIpObserved => ({
  allocationId: ALLOCATION,
  address: address(),
  token,
  ...over,
});
const onEni = (networkInterfaceId: string, tags = {}): ElasticIpObserved =>
  observed({ address: address({ associationId: 'eipassoc-1', networkInterfaceId, tags }) });

describe('planElasticIp', () => {
  const tag = { op: 'tagFencing', allocationId: ALLOCATION };
  const associate = (to: string, from?: string): unknown => ({
    op: 'associate',
    allocationId: ALLOCATION,
    publicIp: PUBLIC_IP,
    networkInterfaceId: to,
    ...(from ? { from } : {}),
  });

  it.each<[string, DesiredState<ElasticIpTarget | null>, ElasticIpObserved, unknown[]]>([
    ['already on our interface', desired(), onEni(SELF.primaryEniId), []],
    [
      'already ours, even tagged by a newer term (no write, nothing to fence)',
      desired(),
      onEni(SELF.primaryEniId, fenceTags('i-new', 9, 'cluster')),
      [],
    ],
    ['unassociated: tag, then associate', desired(), observed(), [tag, associate(SELF.primaryEniId)]],
    ['on the old leader: take it over', desired(), onEni(PEER_ENI), [tag, associate(SELF.primaryEniId, PEER_ENI)]],
    [
      'tagged by an older term',
      desired(),
      onEni(PEER_ENI, fenceTags('i-old', 6, 'cluster')),
      [tag, associate(SELF.primaryEniId, PEER_ENI)],
    ],
    [
      'on our primary, wanted on the override',
      desired(resolveTarget({ allocationId: ALLOCATION, networkInterfaceId: SECOND_ENI }, SELF)),
      onEni(SELF.primaryEniId),
      [tag, associate(SECOND_ENI, SELF.primaryEniId)],
    ],
    ['no resource: never disassociates', { spec: null }, onEni(PEER_ENI), []],
    ['no resource, nothing observed', { spec: null }, {}, []],
  ])('%s', (_what, d, o, actions) => {
    expect(planElasticIp(d, o)).toEqual(actions);
  });

  it('is fenced out by a newer term of the cluster lease', () => {
    const err = planError(() => planElasticIp(desired(), onEni(PEER_ENI, fenceTags('i-new', 8, 'cluster'))));
    expect(err).toMatchObject({ reason: 'FencedOut', inert: false });
    expect(err.message).toMatch(/epoch 8, newer than this instance's epoch 7/);
  });

  it('reports a missing allocation as inert', () => {
    const err = planError(() => planElasticIp(desired(), observed({ address: undefined })));
    expect(err).toMatchObject({ reason: 'AllocationNotFound', inert: true });
    expect(err.message).toBe(`Elastic IP allocation ${ALLOCATION} not found`);
  });

  it('refuses to plan from an observation of another allocation', () => {
    const err = planError(() => planElasticIp(desired(), observed({ allocationId: 'eipalloc-99999999' })));
    expect(err).toMatchObject({ reason: 'ObservedStale', inert: false });
  });
});

describe('describeElasticIpAction', () => {
  it.each([
    [{ op: 'tagFencing', allocationId: ALLOCATION } as const, `tag ${ALLOCATION} with this instance's lease term`],
    [
      {
        op: 'associate',
        allocationId: ALLOCATION,
        publicIp: PUBLIC_IP,
        networkInterfaceId: SELF.primaryEniId,
        from: PEER_ENI,
      } as const,
      `associate ${PUBLIC_IP} (${ALLOCATION}) with ${SELF.primaryEniId} (was ${PEER_ENI})`,
    ],
    [
      {
        op: 'associate',
        allocationId: ALLOCATION,
        publicIp: PUBLIC_IP,
        networkInterfaceId: SELF.primaryEniId,
      } as const,
      `associate ${PUBLIC_IP} (${ALLOCATION}) with ${SELF.primaryEniId} (was unassociated)`,
    ],
  ])('%j', (action, text) => {
    expect(describeElasticIpAction(action)).toBe(text);
  });
});

describe('planElasticIp with a private address', () => {
  it('moves the address to the private address the spec names, on our interface too', () => {
    const wanted = resolveTarget({ allocationId: ALLOCATION, privateIpAddress: '10.0.1.20' }, SELF);
    const desired = { name: 'master', generation: 1, spec: wanted };
    const at = (privateIpAddress: string, networkInterfaceId = SELF.primaryEniId): ElasticIpObserved =>
      observed({ address: address({ networkInterfaceId, privateIpAddress }) });
    expect(planElasticIp(desired, at('10.0.1.10'))).toContainEqual(
      expect.objectContaining({
        op: 'associate',
        networkInterfaceId: SELF.primaryEniId,
        privateIpAddress: '10.0.1.20',
      }),
    );
    expect(planElasticIp(desired, at('10.0.1.20'))).toEqual([]);
    // Without a private address in the spec, any address of our interface will do.
    expect(planElasticIp({ ...desired, spec: target }, at('10.0.1.10'))).toEqual([]);
    const [, associate] = planElasticIp(desired, at('10.0.1.10'));
    expect(describeElasticIpAction(associate!)).toContain(`with ${SELF.primaryEniId} 10.0.1.20`);
  });
});
