import type { HostNetPort, NftPort, SysctlPort } from '../../runtime/ports.js';
import { NAT_TABLE, OBSERVED_SYSCTLS } from './names.js';
import type { SourceNatObserved } from './types.js';

export interface SourceNatPorts {
  nft: NftPort;
  sysctl: SysctlPort;
  hostNet: HostNetPort;
}

/** Reads everything the planner compares, every pass: level-based, never trusting the last apply. */
export async function observeSourceNat(ports: SourceNatPorts, signal: AbortSignal): Promise<SourceNatObserved> {
  const [table, sysctlValues, defaultRoute, addresses] = await Promise.all([
    ports.nft.listTable(NAT_TABLE.family, NAT_TABLE.name, signal),
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
