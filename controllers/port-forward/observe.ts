import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { SysctlPort } from '../../runtime/ports.js';
import { IP_FORWARD } from '../forwarding-common/forwarding.js';
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
