import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import type { ConditionInput, Controller, DesiredState, ProbeResult } from '../../runtime/controller.js';
import { OwnedTable } from '../../runtime/nft/owned-table.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import type { NftPort, SysctlPort } from '../../runtime/ports.js';
import { describeRejection } from '../../runtime/resource-admission.js';
import { forwardingWarnings } from '../forwarding-common/forwarding.js';
import { applyPortForward } from './apply.js';
import { createPortForwardDecoder } from './decode.js';
import { DEFAULT_MAX_RULES, DNAT_TABLE, RULES } from './names.js';
import { observePortForward } from './observe.js';
import { describePortForwardAction, FORWARDING_NEEDED, planPortForward } from './plan.js';
import { validatePortForwardSpec, type PortForwardSpec } from './spec.js';
import { compilePortForwards } from './table.js';
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
    probe: (signal) => probeDnat(opts.ports.nft, signal),
    observe: (signal, { full }) => observePortForward(table, opts.ports.sysctl, signal, full),
    plan: planPortForward,
    apply: (actions, signal) => applyPortForward(table, actions, signal),
    describe: describePortForwardAction,
    details: forwardDetails,
    warnings: (desired, observed) => [
      ...desired.spec.rejected.map((r) => ({
        resource: r.name,
        reason: 'ResourceRejected',
        message: describeRejection(portForwardKind.kind, r),
      })),
      ...(desired.spec.forwards.length > 0 ? forwardingWarnings(observed.ipForward, FORWARDING_NEEDED) : []),
    ],
    conditions: (desired) => neverAdmitted(desired),
  };
}

/**
 * Resources exist but none was ever admitted: the kind is not Ready (InvalidSpec at the rejected generation), even
 * though the controller converged on owning nothing. A rejected edit of an admitted resource is only Degraded.
 */
function neverAdmitted(desired: DesiredState<PortForwardDesired>): ConditionInput[] {
  const first = desired.spec.rejected[0];
  if (desired.name !== undefined || !first) return [];
  const message = desired.spec.rejected.map((r) => describeRejection(portForwardKind.kind, r)).join('; ');
  return [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message, observedGeneration: first.generation }];
}

/** nft --check of the table with no forwards: proves nat chains, fib and concatenated interval maps exist. */
function probeDnat(nft: NftPort, signal: AbortSignal): Promise<ProbeResult> {
  return probeNftTable(nft, compilePortForwards([]).table, signal, {
    feature: 'nftables dnat with concatenated interval maps',
    mechanism: 'nftables dnat map',
  });
}

function forwardDetails(
  desired: DesiredState<PortForwardDesired>,
  observed: PortForwardObserved,
): Record<string, unknown> {
  // nat chains see only the first packet of each connection: their counters count translated connections.
  const connections = (at: { chain: string; index: number }): number =>
    observed.table?.counters.find((c) => c.chain === at.chain && c.index === at.index)?.packets ?? 0;
  return {
    table: `${DNAT_TABLE.family} ${DNAT_TABLE.name}`,
    resources: desired.spec.resources,
    forwards: desired.spec.forwards.length,
    rejected: desired.spec.rejected,
    counters: {
      rewritePortConnections: connections(RULES.rewrite),
      keepPortConnections: connections(RULES.keep),
      masqueradedConnections: connections(RULES.masquerade),
    },
  };
}
