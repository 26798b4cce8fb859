import type { ProbeResult } from '../../runtime/controller.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { probeNftTable } from '../../runtime/nft/probe.js';
import type { NftPort, SysctlPort } from '../../runtime/ports.js';
import { IP_FORWARD } from '../forwarding-common/forwarding.js';
import { compilePortForwards } from './table.js';
import type { PortForwardObserved } from './types.js';

/** Reads the owned table (through its element cache unless `full`) and ip_forward (to check it), every pass. */
export async function observePortForward(
  table: OwnedTable,
  sysctl: SysctlPort,
  signal: AbortSignal,
  full: boolean,
): Promise<PortForwardObserved> {
  const [listed, ipForward] = await Promise.all([table.observe(signal, full), sysctl.read(IP_FORWARD, signal)]);
  return { ...(listed ? { table: listed } : {}), ipForward };
}

/** nft --check of the table with no forwards: proves nat chains, fib and concatenated interval maps exist. */
export function probeDnat(nft: NftPort, signal: AbortSignal): Promise<ProbeResult> {
  return probeNftTable(nft, compilePortForwards([]).table, signal, {
    feature: 'nftables dnat with concatenated interval maps',
    mechanism: 'nftables dnat map',
  });
}
