import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import type { Controller } from '../../runtime/controller.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import { applySourceNat } from './apply.js';
import { decodeSourceNat } from './decode.js';
import { NAT_TABLE } from './names.js';
import { observeSourceNat, probeNat, type SourceNatPorts } from './observe.js';
import { describeAction, planSourceNat } from './plan.js';
import { validateSourceNatSpec, type SourceNatSpec } from './spec.js';
import { natDetails, sysctlWarnings } from './status.js';
import type { SourceNatAction, SourceNatDesired, SourceNatObserved } from './types.js';

export interface SourceNatOptions {
  ports: SourceNatPorts;
  /** The VPC's CIDRs when known (--vpc-cidr / CSGW_VPC_CIDRS): the default source networks. */
  vpcCidrs: readonly string[];
}

export function createSourceNatController(
  opts: SourceNatOptions,
): Controller<SourceNatSpec, SourceNatDesired, SourceNatObserved, SourceNatAction> {
  const table = new OwnedTable(opts.ports.nft, NAT_TABLE.family, NAT_TABLE.name);
  return {
    kind: sourceNatKind,
    // SourceNat owns ip_forward, so it also reconciles when a PortForward (which needs forwarding) comes or goes.
    watches: [portForwardKind],
    changes$: table.changes$,
    validateSpec: validateSourceNatSpec,
    decode: decodeSourceNat,
    probe: (signal) => probeNat(opts.ports, signal),
    observe: (signal, { full }) => observeSourceNat(opts.ports, table, signal, full),
    plan: (desired, observed) => planSourceNat(desired, observed, opts.vpcCidrs),
    apply: (actions, signal) => applySourceNat(opts.ports, table, actions, signal),
    describe: describeAction,
    details: (desired, observed) => ({
      ...natDetails(desired.spec, observed, opts.vpcCidrs),
      tamperDetection: table.tamperDetection,
    }),
    warnings: (desired, observed) => (desired.spec.enable ? sysctlWarnings(desired.spec, observed) : []),
    shutdown: () => Promise.resolve(table.close()),
  };
}
