import { tableChangeOps, type TableChange } from '../../renderers/nft/delta.js';
import type { NftOp } from '../../renderers/nft/model.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { DNAT_TABLE } from './names.js';
import type { PortForwardAction } from './types.js';

/** The whole plan is one nft transaction. */
export async function applyPortForward(
  table: OwnedTable,
  actions: readonly PortForwardAction[],
  signal: AbortSignal,
): Promise<void> {
  const changes = actions.filter((a): a is TableChange => a.op === 'replaceTable' || a.op === 'updateElements');
  const deletes: NftOp[] = actions.some((a) => a.op === 'deleteTable') ? [{ op: 'deleteTable', ...DNAT_TABLE }] : [];
  const ops = [...tableChangeOps(changes), ...deletes];
  if (ops.length > 0) await table.commit(ops, signal);
}
