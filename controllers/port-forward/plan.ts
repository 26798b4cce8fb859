import { describeTableChange, planTableChange } from '../../renderers/nft/delta.js';
import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import type { SysctlValue } from '../../runtime/ports.js';
import { SYSCTL } from '../source-nat/names.js';
import { DNAT_TABLE } from './names.js';
import { compilePortForwards } from './table.js';
import type { PortForwardAction, PortForwardDesired, PortForwardObserved } from './types.js';

/**
 * (desired, observed) -> actions; pure. An empty plan means converged. A changed forward is an element update of
 * its maps; only a changed structure (rules, chains, an edit by hand) replaces the table.
 */
export function planPortForward(
  desired: DesiredState<PortForwardDesired>,
  observed: PortForwardObserved,
): PortForwardAction[] {
  if (desired.name === undefined) {
    if (!observed.table) return [];
    return [{ op: 'deleteTable', reason: desired.spec.rejected.length > 0 ? 'NoneAdmitted' : 'NoResource' }];
  }
  const { table } = compilePortForwards(desired.spec.forwards);
  return [...planTableChange(table, observed.table?.table), ...planIpForward(observed.ipForward)];
}

/** Forwarded connections are routed: ip_forward must be 1, as for SourceNat. */
function planIpForward(current: SysctlValue): PortForwardAction[] {
  if (current.value === '1') return [];
  if (!current.writable) {
    throw new ControllerError(
      'SysctlUnavailable',
      `${SYSCTL.ipForward} is ${current.value ?? 'missing'} and read-only here: forwarded connections cannot be routed`,
      true,
    );
  }
  return [{ op: 'setSysctl', key: SYSCTL.ipForward, value: '1', ...(current.value ? { current: current.value } : {}) }];
}

export function describePortForwardAction(action: PortForwardAction): string {
  switch (action.op) {
    case 'replaceTable':
    case 'updateElements':
      return describeTableChange(action);
    case 'deleteTable':
      return `delete nft table ${DNAT_TABLE.family} ${DNAT_TABLE.name} (${action.reason})`;
    case 'setSysctl':
      return `set ${action.key}=${action.value}${action.current !== undefined ? ` (was ${action.current})` : ''}`;
  }
}
