import { NAT_TABLE, SYSCTL } from './names.js';
import { wantedSysctls } from './plan.js';
import { resolveNat } from './resolve.js';
import type { SourceNatSpec } from './spec.js';
import type { SourceNatDesired, SourceNatObserved } from './types.js';

export function natDetails(
  spec: SourceNatDesired,
  observed: SourceNatObserved,
  vpcCidrs: readonly string[],
): Record<string, unknown> {
  const counter = observed.table?.counters[0];
  const base = {
    table: `${NAT_TABLE.family} ${NAT_TABLE.name}`,
    mode: spec.mode,
    enabled: spec.enable,
    ...(spec.forwardingFor?.length ? { forwardingFor: spec.forwardingFor } : {}),
  };
  if (!spec.enable) return base;
  try {
    const resolved = resolveNat(spec, observed, vpcCidrs);
    return {
      ...base,
      ...resolved,
      // A nat chain sees only the first packet of each connection, so its counter counts translated connections.
      counters: { translatedConnections: counter?.packets ?? 0 },
    };
  } catch {
    return base;
  }
}

/**
 * Tuning the spec asked for that this host cannot take, which the plan therefore skips: `Unsupported` for a key that
 * cannot be set here (read-only, or refused before: nf_conntrack_max is host-global, read-only in a non-initial
 * network namespace), `SysctlUnavailable` for a key missing from this kernel (it may appear with its module).
 */
export function sysctlWarnings(
  spec: SourceNatSpec,
  observed: SourceNatObserved,
): { reason: string; message: string }[] {
  return Object.entries(wantedSysctls(spec, observed))
    .filter(
      ([key, value]) =>
        key !== SYSCTL.ipForward && observed.sysctls[key]?.value !== value && !observed.sysctls[key]?.writable,
    )
    .map(([key, value]) =>
      observed.sysctls[key]?.value === undefined
        ? { reason: 'SysctlUnavailable', message: `${key}=${value} not applied: missing in this kernel` }
        : { reason: 'Unsupported', message: `${key}=${value} not applied: read-only in this network namespace` },
    );
}
