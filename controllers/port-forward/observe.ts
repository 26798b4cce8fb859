import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { SysctlPort } from '../../runtime/ports.js';
import { SYSCTL } from '../source-nat/names.js';
import type { PortForwardObserved } from './types.js';

/** Reads the owned table (through its element cache unless `full`) and ip_forward, every pass. */
export async function observePortForward(
  table: OwnedTable,
  sysctl: SysctlPort,
  signal: AbortSignal,
  full: boolean,
): Promise<PortForwardObserved> {
  const [listed, ipForward] = await Promise.all([table.observe(signal, full), sysctl.read(SYSCTL.ipForward, signal)]);
  return { ...(listed ? { table: listed } : {}), ipForward };
}
