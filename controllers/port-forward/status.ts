import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import type { ConditionInput, ControllerWarning, DesiredState } from '../../runtime/controller.js';
import { describeRejection } from '../../runtime/resource-admission.js';
import { forwardingWarnings } from '../forwarding-common/forwarding.js';
import { COUNTERS, DNAT_TABLE } from './names.js';
import { FORWARDING_NEEDED } from './plan.js';
import type { PortForwardDesired, PortForwardObserved } from './types.js';

export function forwardDetails(
  desired: DesiredState<PortForwardDesired>,
  observed: PortForwardObserved,
): Record<string, unknown> {
  // nat chains see only the first packet of each connection: their counters count translated connections.
  // Each kind of translation has a rule per layout (names.ts): its counter is their sum.
  const connections = (rules: readonly { chain: string; index: number }[]): number =>
    rules.reduce(
      (sum, at) =>
        sum + (observed.table?.counters.find((c) => c.chain === at.chain && c.index === at.index)?.packets ?? 0),
      0,
    );
  return {
    table: `${DNAT_TABLE.family} ${DNAT_TABLE.name}`,
    resources: desired.spec.resources,
    forwards: desired.spec.forwards.length,
    rejected: desired.spec.rejected,
    counters: {
      rewritePortConnections: connections(COUNTERS.rewritePortConnections),
      keepPortConnections: connections(COUNTERS.keepPortConnections),
      masqueradedConnections: connections(COUNTERS.masqueradedConnections),
    },
  };
}

/** Rejected resources (Degraded ResourceRejected), and forwards that ip_forward, as read, cannot route. */
export function portForwardWarnings(
  desired: DesiredState<PortForwardDesired>,
  observed: PortForwardObserved,
): ControllerWarning[] {
  return [
    ...desired.spec.rejected.map((r) => ({
      resource: r.name,
      reason: 'ResourceRejected',
      message: describeRejection(portForwardKind.kind, r),
    })),
    ...(desired.spec.forwards.length > 0 ? forwardingWarnings(observed.ipForward, FORWARDING_NEEDED) : []),
  ];
}

/**
 * Resources exist but none was ever admitted: the kind is not Ready (InvalidSpec at the rejected generation), even
 * though the controller converged on owning nothing. A rejected edit of an admitted resource is only Degraded.
 */
export function neverAdmitted(desired: DesiredState<PortForwardDesired>): ConditionInput[] {
  const first = desired.spec.rejected[0];
  if (desired.name !== undefined || !first) return [];
  const message = desired.spec.rejected.map((r) => describeRejection(portForwardKind.kind, r)).join('; ');
  return [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message, observedGeneration: first.generation }];
}
