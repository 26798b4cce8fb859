import type { NftOp } from '../../renderers/nft/model.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { NAT_TABLE } from './names.js';
import type { SourceNatPorts } from './observe.js';
import type { SourceNatAction } from './types.js';

/** The table change is one nft transaction; sysctls follow, so a refused sysctl never leaves a half-built table. */
export async function applySourceNat(
  ports: SourceNatPorts,
  table: OwnedTable,
  actions: SourceNatAction[],
  signal: AbortSignal,
): Promise<void> {
  const nftOps = actions.flatMap(toNftOp);
  if (nftOps.length > 0) await table.commit(nftOps, signal);
  for (const action of actions) {
    if (action.op === 'setSysctl') await ports.sysctl.write(action.key, action.value, signal);
  }
}

function toNftOp(action: SourceNatAction): NftOp[] {
  if (action.op === 'replaceTable') return [{ op: 'replaceTable', table: action.table }];
  if (action.op === 'deleteTable') return [{ op: 'deleteTable', ...NAT_TABLE }];
  return [];
}
