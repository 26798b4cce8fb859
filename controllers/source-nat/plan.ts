import { isDeepStrictEqual } from 'node:util';
import type { DesiredState } from '../../runtime/controller.js';
import { forwardingUnavailable, planIpForward } from '../forwarding-common/forwarding.js';
import { resolveNat } from './resolve.js';
import { buildNatTable } from './table.js';
import { NAT_TABLE, SYSCTL } from './names.js';
import type { SourceNatSpec } from './spec.js';
import type { SourceNatAction, SourceNatDesired, SourceNatObserved } from './types.js';

/** (desired, observed) -> actions; pure. An empty plan means converged. */
export function planSourceNat(
  desired: DesiredState<SourceNatDesired>,
  observed: SourceNatObserved,
  vpcCidrs: readonly string[],
): SourceNatAction[] {
  if (!desired.spec.enable || !desired.name) {
    const deletes: SourceNatAction[] = observed.table
      ? [{ op: 'deleteTable', reason: desired.name ? 'Disabled' : 'NoResource' }]
      : [];
    return [...deletes, ...planForwardingForOthers(desired.spec.forwardingFor ?? [], observed)];
  }
  const resolved = resolveNat(desired.spec, observed, vpcCidrs);
  const table = buildNatTable(desired.name, desired.spec, resolved);
  const actions: SourceNatAction[] = [];
  if (!observed.table) actions.push({ op: 'replaceTable', table, reason: 'TableMissing' });
  else if (!isDeepStrictEqual(observed.table.table, table))
    actions.push({ op: 'replaceTable', table, reason: 'TableDiffers' });
  return [...actions, ...planSysctls(desired.spec, observed)];
}

/** The sysctl values NAT needs; tuning keys that are read-only here are skipped and reported as warnings instead. */
export function wantedSysctls(spec: SourceNatSpec, observed: SourceNatObserved): Record<string, string> {
  const wanted: Record<string, string> = { [SYSCTL.ipForward]: '1' };
  // Strict reverse-path filtering drops asymmetric NAT flows; loose mode (2) keeps spoofing protection.
  if (observed.sysctls[SYSCTL.rpFilter]?.value === '1') wanted[SYSCTL.rpFilter] = '2';
  if (spec.conntrack?.max !== undefined) wanted[SYSCTL.conntrackMax] = String(spec.conntrack.max);
  const timeout = spec.conntrack?.tcpEstablishedTimeoutSeconds;
  if (timeout !== undefined) wanted[SYSCTL.tcpEstablishedTimeout] = String(timeout);
  return wanted;
}

function planSysctls(spec: SourceNatSpec, observed: SourceNatObserved): SourceNatAction[] {
  const actions: SourceNatAction[] = [];
  for (const [key, value] of Object.entries(wantedSysctls(spec, observed))) {
    const current = observed.sysctls[key];
    if (current?.value === value) continue;
    if (current?.writable)
      actions.push({ op: 'setSysctl', key, value, ...(current.value ? { current: current.value } : {}) });
    else if (key === SYSCTL.ipForward) throw forwardingUnavailable(current, 'NAT cannot forward');
  }
  return actions;
}

/**
 * NAT off, but PortForward resources need forwarding: the owner turns it on for them. Where it is read-only,
 * SourceNat (which needs nothing) carries on; PortForward reports that it cannot work.
 */
function planForwardingForOthers(users: readonly string[], observed: SourceNatObserved): SourceNatAction[] {
  const current = observed.sysctls[SYSCTL.ipForward];
  if (users.length === 0 || (current?.value !== '1' && !current?.writable)) return [];
  return planIpForward(current, `forwarding for ${users.join(', ')}`);
}

export function describeAction(action: SourceNatAction): string {
  switch (action.op) {
    case 'replaceTable':
      return `replace nft table inet ${action.table.name} (${action.reason})`;
    case 'deleteTable':
      return `delete nft table ${NAT_TABLE.family} ${NAT_TABLE.name} (${action.reason})`;
    case 'setSysctl':
      return `set ${action.key}=${action.value}${action.current !== undefined ? ` (was ${action.current})` : ''}`;
  }
}
