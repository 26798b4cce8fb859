import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import type { Controller } from '../../runtime/controller.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { NftPort, SysctlPort } from '../../runtime/ports.js';
import { applyPortForward } from './apply.js';
import { createPortForwardDecoder } from './decode.js';
import { DEFAULT_MAX_RULES, DNAT_TABLE } from './names.js';
import { observePortForward, probeDnat } from './observe.js';
import { describePortForwardAction, planPortForward } from './plan.js';
import { validatePortForwardSpec, type PortForwardSpec } from './spec.js';
import { forwardDetails, neverAdmitted, portForwardWarnings } from './status.js';
import type { PortForwardAction, PortForwardDesired, PortForwardObserved } from './types.js';

export { translate, type ForwardPacket, type ForwardTranslation } from './translate.js';

export interface PortForwardOptions {
  /** sysctl is only read (ip_forward belongs to SourceNat). */
  ports: { nft: NftPort; sysctl: SysctlPort };
  /** Port forwards allowed across all resources; the resource that would exceed it is rejected. */
  maxRules?: number;
}

export function createPortForwardController(
  opts: PortForwardOptions,
): Controller<PortForwardSpec, PortForwardDesired, PortForwardObserved, PortForwardAction> {
  const table = new OwnedTable(opts.ports.nft, DNAT_TABLE.family, DNAT_TABLE.name);
  return {
    kind: portForwardKind,
    validateSpec: validatePortForwardSpec,
    decode: createPortForwardDecoder(opts.maxRules ?? DEFAULT_MAX_RULES),
    changes$: table.changes$,
    probe: (signal) => probeDnat(opts.ports.nft, signal),
    observe: (signal, { full }) => observePortForward(table, opts.ports.sysctl, signal, full),
    plan: planPortForward,
    apply: (actions, signal) => applyPortForward(table, actions, signal),
    describe: describePortForwardAction,
    details: (desired, observed) => ({ ...forwardDetails(desired, observed), tamperDetection: table.tamperDetection }),
    warnings: portForwardWarnings,
    conditions: neverAdmitted,
    shutdown: () => Promise.resolve(table.close()),
  };
}
