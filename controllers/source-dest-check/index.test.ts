import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  awsError,
  decoded,
  ENIS,
  FULL,
  reconcilePass,
  SECOND_ENI,
  SELF,
  signal,
  snapshot,
  writesOf,
} from '../../testing/ec2-fixtures.js';
import { FakeEc2 } from '../../testing/fake-ec2.js';
import { createSourceDestCheckController } from './index.js';

function harness(networkInterfaces = ENIS) {
  const ec2 = new FakeEc2({ networkInterfaces });
  return { ec2, controller: createSourceDestCheckController({ ec2, identity: SELF }) };
}

const sdc = (spec: Record<string, unknown>, generation = 1) => snapshot('SourceDestCheck', spec, 'default', generation);

describe('SourceDestCheck with FakeEc2', () => {
  it('turns the check off on the primary interface in one pass, then converges', async () => {
    const h = harness();
    const desired = decoded(h.controller, sdc({ enabled: false }));
    expect(await reconcilePass(h.controller, desired)).toHaveLength(1);
    expect(writesOf(h.ec2)).toEqual([
      { action: 'setSourceDestCheck', args: { eniId: SELF.primaryEniId, enabled: false } },
    ]);
    expect(h.ec2.networkInterfaces.get(SELF.primaryEniId)?.sourceDestCheck).toBe(false);
    expect(h.ec2.networkInterfaces.get(SECOND_ENI)?.sourceDestCheck).toBe(true);
    const observed = await h.controller.observe(signal(), { ...FULL, desired });
    expect(h.controller.plan(desired, observed)).toEqual([]);
    expect(h.controller.details(desired, observed)).toEqual({
      networkInterfaceId: SELF.primaryEniId,
      networkInterfaceSource: 'identity',
      sourceDestCheck: false,
    });
  });

  it('acts on the override interface only', async () => {
    const h = harness();
    await reconcilePass(h.controller, decoded(h.controller, sdc({ enabled: false, networkInterfaceId: SECOND_ENI })));
    expect(h.ec2.networkInterfaces.get(SECOND_ENI)?.sourceDestCheck).toBe(false);
    expect(h.ec2.networkInterfaces.get(SELF.primaryEniId)?.sourceDestCheck).toBe(true);
  });

  it('needs no lease', () => {
    expect(harness().controller.lease).toBeUndefined();
  });

  it('decodes the bootstrap resource to "check off on the primary interface"', () => {
    const h = harness();
    expect(decoded(h.controller, sdc({ enabled: false }))).toEqual({
      name: 'default',
      generation: 1,
      spec: { networkInterfaceId: SELF.primaryEniId, networkInterfaceSource: 'identity', enabled: false },
    });
  });

  it('owns nothing without a resource: reads and writes nothing', async () => {
    const h = harness();
    expect(
      await reconcilePass(h.controller, decoded(h.controller, { kind: 'SourceDestCheck', resources: [] })),
    ).toEqual([]);
    expect(h.ec2.calls).toEqual([]);
  });

  it.each([
    ['UnauthorizedOperation', 'MissingPermission', true],
    ['RequestLimitExceeded', 'Throttled', false],
  ] as const)('a refused write (%s) propagates as ControllerError %s', async (code, reason, inert) => {
    const h = harness();
    const desired = decoded(h.controller, sdc({ enabled: false }));
    const plan = h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }));
    h.ec2.failNext('setSourceDestCheck', awsError(code));
    await expect(h.controller.apply(plan, signal())).rejects.toMatchObject({ name: 'ControllerError', reason, inert });
    expect(h.ec2.networkInterfaces.get(SELF.primaryEniId)?.sourceDestCheck).toBe(true);
  });

  it('observes the interface the given desired state names, not the one of the last decode', async () => {
    const h = harness();
    const primary = decoded(h.controller, sdc({ enabled: false }));
    const second = decoded(h.controller, sdc({ enabled: false, networkInterfaceId: SECOND_ENI }, 2));
    const read = async (desired: typeof primary) => await h.controller.observe(signal(), { ...FULL, desired });
    expect(await read(primary)).toMatchObject({ networkInterfaceId: SELF.primaryEniId });
    expect(await read(second)).toMatchObject({ networkInterfaceId: SECOND_ENI });
    expect(h.ec2.callsOf('describeNetworkInterface')).toEqual([SELF.primaryEniId, SECOND_ENI]);
  });

  it('probes with a read, and reports a missing permission', async () => {
    const h = harness();
    await expect(h.controller.probe(signal())).resolves.toMatchObject({ ok: true });
    h.ec2.failAlways('describeNetworkInterface', awsError('UnauthorizedOperation'));
    await expect(h.controller.probe(signal())).resolves.toMatchObject({ ok: false, reason: 'MissingPermission' });
  });

  it('one pass converges from any starting value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(undefined, SECOND_ENI),
        async (start, enabled, override) => {
          const h = harness(ENIS.map((e) => ({ ...e, sourceDestCheck: start })));
          const spec = { enabled, ...(override ? { networkInterfaceId: override } : {}) };
          const desired = decoded(h.controller, sdc(spec));
          await reconcilePass(h.controller, desired);
          expect(h.controller.plan(desired, await h.controller.observe(signal(), { ...FULL, desired }))).toEqual([]);
          expect(writesOf(h.ec2)).toHaveLength(start === enabled ? 0 : 1);
        },
      ),
    );
  });
});
