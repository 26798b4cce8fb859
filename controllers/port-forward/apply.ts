import { tableChangeOps, type TableChange } from '../../renderers/nft/delta.js';
import type { NftOp } from '../../renderers/nft/model.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { SysctlPort } from '../../runtime/ports.js';
import { DNAT_TABLE } from './names.js';
import type { PortForwardAction } from './types.js';

/** The table change is one nft transaction; ip_forward follows, so a refused sysctl never leaves half a table. */
export async function applyPortForward(
  table: OwnedTable,
  sysctl: SysctlPort,
  actions: readonly PortForwardAction[],
  signal: AbortSignal,
): Promise<void> {
  const changes = actions.filter((a): a is TableChange => a.op === 'replaceTable' || a.op === 'updateElements');
  const deletes: NftOp[] = actions.some((a) => a.op === 'deleteTable') ? [{ op: 'deleteTable', ...DNAT_TABLE }] : [];
  const ops = [...tableChangeOps(changes), ...deletes];
  if (ops.length > 0) await table.commit(ops, signal);
  for (const action of actions) {
    if (action.op === 'setSysctl') await sysctl.write(action.key, action.value, signal);
  }
}
