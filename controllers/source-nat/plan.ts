import { isDeepStrictEqual } from 'node:util';
import type { DesiredState } from '../../runtime/controller.js';
import { ControllerError } from '../../runtime/controller.js';
import { resolveNat } from './resolve.js';
import { buildNatTable } from './table.js';
import { NAT_TABLE, SYSCTL } from './names.js';
import type { SourceNatSpec } from './spec.js';
import type { SourceNatAction, SourceNatObserved } from './types.js';

/** (desired, observed) -> actions; pure. An empty plan means converged. */
export function planSourceNat(
  desired: DesiredState<SourceNatSpec>,
  observed: SourceNatObserved,
  vpcCidrs: readonly string[],
): SourceNatAction[] {
  if (!desired.spec.enable || !desired.name) {
    return observed.table ? [{ op: 'deleteTable', reason: desired.name ? 'Disabled' : 'NoResource' }] : [];
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
    else if (key === SYSCTL.ipForward) {
      throw new ControllerError(
        'SysctlUnavailable',
        `${key} is ${current?.value ?? 'missing'} and read-only here: NAT cannot forward`,
        true,
      );
    }
  }
  return actions;
}

/** Tuning the spec asked for that this host cannot take (read-only or missing sysctls). */
export function sysctlWarnings(
  spec: SourceNatSpec,
  observed: SourceNatObserved,
): { reason: string; message: string }[] {
  return Object.entries(wantedSysctls(spec, observed))
    .filter(
      ([key, value]) =>
        key !== SYSCTL.ipForward && observed.sysctls[key]?.value !== value && !observed.sysctls[key]?.writable,
    )
    .map(([key, value]) => ({
      reason: 'SysctlUnavailable',
      message: `${key}=${value} not applied: ${observed.sysctls[key]?.value === undefined ? 'missing in this kernel' : 'read-only in this network namespace'}`,
    }));
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
