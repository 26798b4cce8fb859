import { describe, expect, it } from '@jest/globals';
import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import { eni, SECOND_ENI, SELF } from '../../testing/ec2-fixtures.js';
import { resolveTarget } from './decode.js';
import { describeSourceDestCheckAction, planSourceDestCheck } from './plan.js';
import type { SourceDestCheckObserved, SourceDestCheckTarget } from './types.js';

describe('planSourceDestCheck', () => {
  const off = resolveTarget({ enabled: false }, SELF);
  const desired = (t: SourceDestCheckTarget | null): DesiredState<SourceDestCheckTarget | null> =>
    t ? { name: 'default', generation: 1, spec: t } : { spec: null };
  const seen = (check: boolean, id = SELF.primaryEniId): SourceDestCheckObserved => ({
    networkInterfaceId: id,
    networkInterface: eni(id, { sourceDestCheck: check }),
  });

  it.each<[string, SourceDestCheckTarget | null, SourceDestCheckObserved, unknown[]]>([
    [
      'turns the check off',
      off,
      seen(true),
      [{ op: 'setSourceDestCheck', networkInterfaceId: SELF.primaryEniId, enabled: false }],
    ],
    ['leaves it off', off, seen(false), []],
    [
      'turns it back on when asked',
      resolveTarget({ enabled: true }, SELF),
      seen(false),
      [{ op: 'setSourceDestCheck', networkInterfaceId: SELF.primaryEniId, enabled: true }],
    ],
    ['no resource: leaves it as it is', null, seen(true), []],
  ])('%s', (_what, t, o, actions) => {
    expect(planSourceDestCheck(desired(t), o)).toEqual(actions);
  });

  it('reports a missing interface as inert, and refuses an observation of another interface', () => {
    const fail = (o: SourceDestCheckObserved): unknown => {
      try {
        planSourceDestCheck(desired(off), o);
      } catch (err) {
        return err instanceof ControllerError ? { reason: err.reason, inert: err.inert } : err;
      }
      return undefined;
    };
    expect(fail({ networkInterfaceId: SELF.primaryEniId })).toEqual({
      reason: 'NetworkInterfaceNotFound',
      inert: true,
    });
    expect(fail(seen(true, SECOND_ENI))).toEqual({ reason: 'ObservedStale', inert: false });
  });

  it('describes the change', () => {
    expect(
      describeSourceDestCheckAction({ op: 'setSourceDestCheck', networkInterfaceId: 'eni-1', enabled: false }),
    ).toBe('turn source/destination check off on eni-1 (was on)');
  });
});
