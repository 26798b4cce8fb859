import { tableDeltaOps, type TableDelta } from '../../renderers/nft/delta.js';
import type { NftOp } from '../../renderers/nft/model.js';
import { ControllerError } from '../../runtime/controller.js';
import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import type { SysctlPort } from '../../runtime/ports.js';
import type { IpvsPort } from './ipvs-port.js';
import { LB_TABLE } from './names.js';
import type { DrainLedger, LoadBalancerAction } from './types.js';

const TABLE_DELTAS: ReadonlySet<string> = new Set<TableDelta['op']>([
  'replaceTable',
  'updateElements',
  'addChain',
  'replaceChain',
  'deleteChain',
]);

export interface ApplyDeps {
  table: OwnedTable;
  ipvs?: IpvsPort;
  sysctl?: SysctlPort;
  recordDrains(ledger: DrainLedger): void;
}

/**
 * sysctl, then IPVS (one `ipvsadm -R`), then the table (one nft transaction), then the drain ledger: a drain is
 * recorded only once the kernel holds it, so a failed apply starts it again next pass, never cuts it short.
 */
export async function applyLoadBalancer(
  deps: ApplyDeps,
  actions: readonly LoadBalancerAction[],
  signal: AbortSignal,
): Promise<void> {
  for (const action of actions) {
    if (action.op !== 'sysctl') continue;
    if (!deps.sysctl) throw new ControllerError('SysctlUnavailable', `cannot set ${action.key}: no sysctl port`);
    await deps.sysctl.write(action.key, action.value, signal);
  }
  const lines = actions.flatMap((a) => (a.op === 'ipvs' ? a.lines : []));
  if (lines.length > 0) {
    if (!deps.ipvs) throw new ControllerError('IpvsUnavailable', 'IPVS changes planned but no IPVS port is wired');
    await deps.ipvs.restore(lines, signal);
  }
  const changes = actions.filter((a): a is TableDelta => TABLE_DELTAS.has(a.op));
  const deletes: NftOp[] = actions.some((a) => a.op === 'deleteTable') ? [{ op: 'deleteTable', ...LB_TABLE }] : [];
  const ops = [...tableDeltaOps(changes), ...deletes];
  if (ops.length > 0) await deps.table.commit(ops, signal);
  for (const action of actions) if (action.op === 'recordDrains') deps.recordDrains(action.ledger);
}
