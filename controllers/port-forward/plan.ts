import { describeTableChange, planTableChange } from '../../renderers/nft/delta.js';
import type { DesiredState } from '../../runtime/controller.js';
import { assertForwardingPossible } from '../forwarding-common/forwarding.js';
import { DNAT_TABLE } from './names.js';
import { compilePortForwards } from './table.js';
import type { PortForwardAction, PortForwardDesired, PortForwardObserved } from './types.js';

/**
 * (desired, observed) -> actions; pure. An empty plan means converged. A changed forward is an element update of
 * its maps; only a changed structure (rules, chains, an edit by hand) replaces the table. ip_forward is SourceNat's
 * (docs/adr/0007-ip-forward-owner.md): never planned here, only checked (inert when it can never be on).
 */
export function planPortForward(
  desired: DesiredState<PortForwardDesired>,
  observed: PortForwardObserved,
): PortForwardAction[] {
  if (desired.name === undefined) {
    // A restart over specs that no longer validate: an unfamiliar config keeps the forwards it had.
    if (!observed.table || desired.spec.holdAsFound) return [];
    return [{ op: 'deleteTable', reason: 'NoResource' }];
  }
  assertForwardingPossible(observed.ipForward, FORWARDING_NEEDED);
  const { table } = compilePortForwards(desired.spec.forwards);
  return planTableChange(table, observed.table?.table);
}

/** What a forward without ip_forward means, in SysctlUnavailable and ForwardingOff messages. */
export const FORWARDING_NEEDED = 'forwarded connections cannot be routed';

export function describePortForwardAction(action: PortForwardAction): string {
  switch (action.op) {
    case 'replaceTable':
    case 'updateElements':
      return describeTableChange(action);
    case 'deleteTable':
      return `delete nft table ${DNAT_TABLE.family} ${DNAT_TABLE.name} (${action.reason})`;
  }
}
