import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { firewallOps, type FirewallAction } from './plan.js';
import type { CommitMemory } from './types.js';

/** The whole plan as one transaction; OwnedTable keeps its cache in step, or drops it when nft refuses. */
export async function applyFirewall(
  table: OwnedTable,
  memory: CommitMemory,
  actions: readonly FirewallAction[],
  signal: AbortSignal,
): Promise<void> {
  const ops = firewallOps(actions);
  if (ops.length === 0) return;
  try {
    await table.commit(ops, signal);
  } catch (err) {
    memory.lastCommitFailed = true;
    throw err;
  }
  memory.lastCommitFailed = false;
}
