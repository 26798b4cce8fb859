import { sourceDestCheckKind } from '../../crds-equivalent/source-dest-check.js';
import type { Ec2Port, InstanceIdentity } from '../../runtime/aws/ports.js';
import type { Controller } from '../../runtime/controller.js';
import { probeEc2 } from '../aws-common/probe.js';
import { applySourceDestCheck } from './apply.js';
import { decodeSourceDestCheck } from './decode.js';
import { observeSourceDestCheck } from './observe.js';
import { describeSourceDestCheckAction, planSourceDestCheck } from './plan.js';
import { validateSourceDestCheckSpec, type SourceDestCheckSpec } from './spec.js';
import { sourceDestCheckDetails } from './status.js';
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
    observe: (signal, { desired }) => observeSourceDestCheck(ec2, desired.spec, signal),
    plan: planSourceDestCheck,
    apply: (actions, signal) => applySourceDestCheck(ec2, actions, signal),
    describe: describeSourceDestCheckAction,
    details: (desired, observed) => sourceDestCheckDetails(desired.spec, observed),
    warnings: () => [],
  };
}
