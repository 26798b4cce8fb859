import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import type { Controller } from '../../runtime/controller.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { applyAzRoutes } from './apply.js';
import { decodeAzRoutes } from './decode.js';
import { observeAzRoutes, type Ec2For } from './observe.js';
import { azRoutesDetails, azRoutesWarnings, describeAzRoutesAction, planAzRoutes } from './plan.js';
import { validateAzRoutesSpec, type AzRoutesSpec } from './spec.js';
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
    // No call here: the operational role is needed only for listed route tables, and observe reports its absence
    // (OperationalRoleUnavailable) exactly when there is one. An AZ without AzRoutes needs no role.
    probe: () =>
      Promise.resolve({
        ok: true,
        reason: 'OperationalRole',
        message: 'EC2 through the per-AZ NAT data plane operational role',
        details: { mechanism: 'ec2 ReplaceRoute (operational role 1)' },
      }),
    // Every observe is a full read: there is no cache to distrust.
    observe: (signal, { desired }) => observeAzRoutes(ec2For, lease, desired.spec.routes, signal),
    plan: planAzRoutes,
    apply: (actions, signal) => applyAzRoutes(ec2For, lease, actions, signal),
    describe: describeAzRoutesAction,
    details: (desired, observed) => azRoutesDetails(desired.spec, observed),
    warnings: (_desired, observed) => azRoutesWarnings(observed),
  };
}
