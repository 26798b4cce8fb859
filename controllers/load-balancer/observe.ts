import type { ProbeResult } from '../../runtime/controller.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import type { NftPort, SysctlPort } from '../../runtime/ports.js';
import type { IpvsPort } from './ipvs-port.js';
import type { MembershipSnapshot, MembershipTracker } from './membership/types.js';
import { renderLbTable } from './nft-table.js';
import { VS_CONNTRACK } from './plan.js';
import { membershipSpecOf } from './spec.js';
import type { DrainLedger, KernelService, LbService, LoadBalancerObserved, Mechanism } from './types.js';

export interface ObserveDeps {
  table: OwnedTable;
  ipvs?: IpvsPort;
  sysctl?: SysctlPort;
  membership: MembershipTracker;
  clock: () => Date;
}

/** Membership of every admitted service (each tracker call is cached per its sync interval) and the kernel state. */
export async function observeLoadBalancer(
  deps: ObserveDeps,
  state: { mechanism: Mechanism; ledger: DrainLedger; services: readonly LbService[] },
  signal: AbortSignal,
  full: boolean,
): Promise<LoadBalancerObserved> {
  const now = deps.clock().toISOString();
  const ipvsPath = state.mechanism === 'ipvs';
  const needsConntrack = ipvsPath && deps.sysctl && state.services.some((s) => s.spec.sourceNat);
  const [snapshots, table, ipvs, vsConntrack] = await Promise.all([
    Promise.all(state.services.map((s) => deps.membership.current(s.name, membershipSpecOf(s.spec), signal))),
    deps.table.observe(signal, full),
    ipvsPath && deps.ipvs ? deps.ipvs.save(signal) : undefined,
    needsConntrack ? deps.sysctl?.read(VS_CONNTRACK, signal) : undefined,
  ]);
  const memberships: Record<string, MembershipSnapshot> = {};
  state.services.forEach((s, i) => {
    const snapshot = snapshots[i];
    if (snapshot) memberships[s.name] = snapshot;
  });
  return {
    mechanism: state.mechanism,
    now,
    ...(table ? { table } : {}),
    ...(ipvs ? { ipvs } : {}),
    ...(vsConntrack ? { vsConntrack } : {}),
    memberships,
    ledger: state.ledger,
    ...(full ? { rebuild: true } : {}),
  };
}

/** A sample of what the table holds (both spreads, dnat, masquerade marks): `nft --check`ed, never committed. */
const SAMPLE: KernelService[] = [
  {
    id: 1,
    protocol: 'TCP',
    port: 80,
    scheduler: 'wrr',
    sourceNat: true,
    targets: [
      { address: '192.0.2.1', port: 80, weight: 2 },
      { address: '192.0.2.2', port: 80, weight: 1 },
    ],
  },
  { id: 2, protocol: 'UDP', address: '192.0.2.9', port: 53, scheduler: 'sh', sourceNat: false, targets: [] },
];

/**
 * IPVS when ipvsadm runs and the kernel has ip_vs (with nft to mark packets for it); nftables otherwise; neither
 * leaves the controller inert with the reason. `forced` skips the choice (tests, and hosts that want one path).
 */
export async function probeMechanism(
  deps: { nft: NftPort; ipvs?: IpvsPort },
  forced: Mechanism | undefined,
  signal: AbortSignal,
): Promise<ProbeResult & { mechanism?: Mechanism }> {
  let ipvsWhy = 'not wired';
  if (forced !== 'nftables' && deps.ipvs) {
    const available = await deps.ipvs.available(signal);
    if (available.ok) return withMechanism(await probeWith(deps.nft, 'ipvs', signal), 'ipvs');
    ipvsWhy = available.message;
  }
  if (forced === 'ipvs')
    return { ok: false, reason: 'KernelFeatureMissing', message: `IPVS unavailable: ${ipvsWhy}`, details: {} };
  const nft = await probeWith(deps.nft, 'nftables', signal);
  if (nft.ok) return withMechanism(nft, 'nftables');
  return { ...nft, message: `neither IPVS (${ipvsWhy}) nor nftables load balancing: ${nft.message}` };
}

function probeWith(nft: NftPort, mechanism: Mechanism, signal: AbortSignal): Promise<ProbeResult> {
  const feature = mechanism === 'ipvs' ? 'nftables marks for IPVS' : 'nftables numgen/jhash spread with dnat';
  return probeNftTable(nft, renderLbTable(SAMPLE, mechanism), signal, { feature, mechanism });
}

function withMechanism(result: ProbeResult, mechanism: Mechanism): ProbeResult & { mechanism?: Mechanism } {
  return result.ok ? { ...result, mechanism } : result;
}
