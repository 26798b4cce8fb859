import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import type { Controller } from '../../runtime/controller.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { applyAzRoutes } from './apply.js';
import { decodeAzRoutes } from './decode.js';
import { observeAzRoutes, probeAzRoutes, type Ec2For } from './observe.js';
import { describeAzRoutesAction, planAzRoutes } from './plan.js';
import { validateAzRoutesSpec, type AzRoutesSpec } from './spec.js';
import { azRoutesDetails, azRoutesWarnings } from './status.js';
import type { AzRoutesAction, AzRoutesDesired, AzRoutesObserved } from './types.js';

export type { Ec2For } from './observe.js';

export interface AzRoutesOptions {
  /** The EC2 port per account: undefined is this instance's account, others go through the operational role. */
  ec2For: Ec2For;
  identity: InstanceIdentity;
  /** The lease of this instance's AZ: only its holder points routes at itself. */
  lease: LeaseGuard;
}

export type AzRoutesController = Controller<AzRoutesSpec, AzRoutesDesired, AzRoutesObserved, AzRoutesAction>;

export function createAzRoutesController(opts: AzRoutesOptions): AzRoutesController {
  const { ec2For, identity, lease } = opts;
  return {
    kind: azRoutesKind,
    lease,
    validateSpec: validateAzRoutesSpec,
    decode: (snapshot) => decodeAzRoutes(snapshot, identity),
    probe: probeAzRoutes,
    // Every observe is a full read: there is no cache to distrust.
    observe: (signal, { desired }) => observeAzRoutes(ec2For, lease, desired.spec.routes, signal),
    plan: planAzRoutes,
    apply: (actions, signal) => applyAzRoutes(ec2For, lease, actions, signal),
    describe: describeAzRoutesAction,
    details: (desired, observed) => azRoutesDetails(desired.spec, observed),
    warnings: (_desired, observed) => azRoutesWarnings(observed),
  };
}
