import { describeTableChange, planTableChange, tableChangeOps, type TableChange } from '../../renderers/nft/delta.js';
import type { NftOp, NftTable, ObservedTable } from '../../renderers/nft/model.js';
import { FILTER_TABLE } from './compile/names.js';
import type { CompiledFirewall } from './types.js';

/** What the FirewallPolicy controller reads: its own table (elements from OwnedTable's cache between full reads). */
export interface FirewallObserved {
  table?: ObservedTable;
  /** The last commit failed: the next change rebuilds the table instead of patching elements. */
  rebuild?: boolean;
}

/** Element updates or a rebuild of the table (renderers/nft/delta.ts), or its removal when no resource exists. */
export type FirewallAction =
  | TableChange
  | { op: 'replaceTable'; table: NftTable; reason: 'RebuildAfterFailedApply' }
  | { op: 'deleteTable'; reason: 'NoResource' };

/**
 * (compiled policy, observed) -> actions; pure. When only set elements differ the plan is element adds and deletes
 * (O(Δ)); a structural difference or a missing table rebuilds the table, and so does any change after a failed
 * commit: the kernel refused a delta once, and a rebuild does not depend on what it holds.
 */
export function planFirewall(compiled: CompiledFirewall | undefined, observed: FirewallObserved): FirewallAction[] {
  if (!compiled) return observed.table ? [{ op: 'deleteTable', reason: 'NoResource' }] : [];
  const current = observed.table?.table;
  const [desired, have] = current ? withoutEqualSets(compiled.table, current) : [compiled.table, current];
  // The changes name the whole desired table, not its trimmed copy: a rebuild loads every set.
  const changes = planTableChange(desired, have).map((c) => ({ ...c, table: compiled.table }));
  if (observed.rebuild && changes.length > 0 && changes.every((c) => c.op === 'updateElements'))
    return [{ op: 'replaceTable', table: compiled.table, reason: 'RebuildAfterFailedApply' }];
  return changes;
}

/**
 * Both tables with the elements of every set that lists the same elements on both sides left out. After one edit
 * that is all sets but one or two, and comparing two sorted lists costs far less than the element diff, which hashes
 * every element of the policy. Structure is compared without elements anyway, so the plan is the same.
 */
function withoutEqualSets(desired: NftTable, observed: NftTable): [NftTable, NftTable] {
  const have = new Map(observed.sets.map((s) => [s.name, s.elements]));
  const equal = new Set(desired.sets.filter((s) => sameElements(s.elements, have.get(s.name))).map((s) => s.name));
  if (equal.size === 0) return [desired, observed];
  const trim = (t: NftTable): NftTable => ({
    ...t,
    sets: t.sets.map((s) => (equal.has(s.name) ? { ...s, elements: [] } : s)),
  });
  return [trim(desired), trim(observed)];
}

function sameElements(a: readonly string[], b: readonly string[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function firewallOps(actions: readonly FirewallAction[]): NftOp[] {
  const changes: TableChange[] = [];
  for (const action of actions) {
    if (action.op === 'deleteTable') return [{ op: 'deleteTable', ...FILTER_TABLE }];
    if (isRebuild(action)) return [{ op: 'replaceTable', table: action.table }];
    changes.push(action);
  }
  return tableChangeOps(changes);
}

export function describeFirewallAction(action: FirewallAction): string {
  const table = `${FILTER_TABLE.family} ${FILTER_TABLE.name}`;
  if (action.op === 'deleteTable') return `delete nft table ${table} (${action.reason})`;
  if (isRebuild(action)) return `replace nft table ${table} (${action.reason})`;
  return describeTableChange(action);
}

type Rebuild = Extract<FirewallAction, { reason: 'RebuildAfterFailedApply' }>;

function isRebuild(action: Exclude<FirewallAction, { op: 'deleteTable' }>): action is Rebuild {
  return action.op === 'replaceTable' && action.reason === 'RebuildAfterFailedApply';
}
