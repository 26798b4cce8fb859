import type { NftTable } from '../../renderers/nft/model.js';
import type { ProbeResult } from '../../runtime/controller.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import type { HostNetPort, NftPort, SysctlPort } from '../../runtime/ports.js';
import { NAT_TABLE, OBSERVED_SYSCTLS, POSTROUTING_CHAIN, SRCNAT_PRIORITY } from './names.js';
import type { SourceNatObserved } from './types.js';

export interface SourceNatPorts {
  nft: NftPort;
  sysctl: SysctlPort;
  hostNet: HostNetPort;
}

/**
 * Reads everything the planner compares, every pass: the table through OwnedTable (from memory while `nft monitor`
 * sees no foreign commit to it), the sysctls and routes as they are now.
 */
export async function observeSourceNat(
  ports: SourceNatPorts,
  owned: OwnedTable,
  signal: AbortSignal,
  full: boolean,
): Promise<SourceNatObserved> {
  const [table, sysctlValues, defaultRoute, addresses] = await Promise.all([
    owned.observe(signal, full),
    Promise.all(OBSERVED_SYSCTLS.map(async (key) => [key, await ports.sysctl.read(key, signal)] as const)),
    ports.hostNet.defaultRoute(signal),
    ports.hostNet.addresses(signal),
  ]);
  return {
    ...(table ? { table } : {}),
    sysctls: Object.fromEntries(sysctlValues),
    ...(defaultRoute ? { defaultRoute } : {}),
    addresses,
  };
}

/** nft --check of a minimal NAT table: proves nftables and inet-family NAT exist without touching the kernel. */
export function probeNat(ports: SourceNatPorts, signal: AbortSignal): Promise<ProbeResult> {
  const probeTable: NftTable = {
    ...NAT_TABLE,
    sets: [],
    chains: [
      {
        name: POSTROUTING_CHAIN,
        base: { type: 'nat', hook: 'postrouting', prio: SRCNAT_PRIORITY, policy: 'accept' },
        rules: [{ expr: [{ masquerade: null }] }],
      },
    ],
  };
  return probeNftTable(ports.nft, probeTable, signal, {
    feature: 'nftables inet NAT',
    mechanism: 'nftables inet nat',
  });
}
