import { sourceDestCheckKind } from '../../crds-equivalent/source-dest-check.js';
import type { Ec2Port, InstanceIdentity } from '../../runtime/aws/ports.js';
import type { Controller, DecodeResult, KindSnapshot } from '../../runtime/controller.js';
import { decodeSingleton } from '../../runtime/decode-singleton.js';
import { probeEc2 } from '../aws-common/probe.js';
import { describeSourceDestCheckAction, planSourceDestCheck, resolveTarget, sourceDestCheckDetails } from './plan.js';
import { validateSourceDestCheckSpec, type SourceDestCheckSpec } from './spec.js';
import type { SourceDestCheckAction, SourceDestCheckObserved, SourceDestCheckTarget } from './types.js';

export interface SourceDestCheckOptions {
  ec2: Ec2Port;
  identity: InstanceIdentity;
}

export type SourceDestCheckController = Controller<
  SourceDestCheckSpec,
  SourceDestCheckTarget | null,
  SourceDestCheckObserved,
  SourceDestCheckAction
>;

/** Node-scoped: every instance sets the check on its own interface, so there is no lease. */
export function createSourceDestCheckController(opts: SourceDestCheckOptions): SourceDestCheckController {
  const { ec2, identity } = opts;
  return {
    kind: sourceDestCheckKind,
    validateSpec: validateSourceDestCheckSpec,
    decode: (snapshot) => decodeSourceDestCheck(snapshot, identity),
    probe: (signal) => probeEc2(ec2, identity.primaryEniId, 'ec2 ModifyNetworkInterfaceAttribute', signal),
    observe: async (signal, { desired }) => {
      const target = desired.spec;
      if (!target) return {};
      const eni = await ec2.describeNetworkInterface(target.networkInterfaceId, signal);
      return { networkInterfaceId: target.networkInterfaceId, ...(eni ? { networkInterface: eni } : {}) };
    },
    plan: planSourceDestCheck,
    apply: async (actions, signal) => {
      for (const a of actions) await ec2.setSourceDestCheck(a.networkInterfaceId, a.enabled, signal);
    },
    describe: describeSourceDestCheckAction,
    details: (desired, observed) => sourceDestCheckDetails(desired.spec, observed),
    warnings: () => [],
  };
}

function decodeSourceDestCheck(
  snapshot: KindSnapshot,
  identity: InstanceIdentity,
): DecodeResult<SourceDestCheckTarget | null> {
  const result = decodeSingleton<SourceDestCheckSpec | null>(
    sourceDestCheckKind,
    snapshot,
    validateSourceDestCheckSpec,
    null,
  );
  if (!result.ok) return result;
  const spec = result.desired.spec;
  return { ...result, desired: { ...result.desired, spec: spec && resolveTarget(spec, identity) } };
}
