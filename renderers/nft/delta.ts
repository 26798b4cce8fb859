import { isDeepStrictEqual } from 'node:util';
import type { NftOp, NftSet, NftSetRef, NftTable } from './model.js';

/**
 * One step of taking the kernel's table to the desired one. Element updates change set contents in place (O(Δ),
 * the way kube-proxy's nftables mode keeps large sets); anything structural rebuilds the whole table.
 */
export type TableChange =
  | { op: 'replaceTable'; table: NftTable; reason: 'TableMissing' | 'StructureDiffers' }
  | { op: 'updateElements'; table: NftTable; set: NftSetRef; add: string[]; remove: string[] };

/** (desired, observed) -> changes; pure. [] means converged. */
export function planTableChange(desired: NftTable, observed: NftTable | undefined): TableChange[] {
  if (!observed) return [{ op: 'replaceTable', table: desired, reason: 'TableMissing' }];
  if (!isDeepStrictEqual(structureOf(desired), structureOf(observed)))
    return [{ op: 'replaceTable', table: desired, reason: 'StructureDiffers' }];
  return desired.sets.flatMap((set) => {
    const current = observed.sets.find((s) => s.name === set.name)?.elements ?? [];
    const { add, remove } = diffElements(set.elements, current);
    return add.length + remove.length === 0
      ? []
      : [{ op: 'updateElements', table: desired, set: refOf(set), add, remove }];
  });
}

/** The changes as one transaction: all element deletes before any add, so a replaced interval never overlaps. */
export function tableChangeOps(changes: readonly TableChange[]): NftOp[] {
  const replace = changes.find((c) => c.op === 'replaceTable');
  if (replace) return [{ op: 'replaceTable', table: replace.table }];
  const updates = changes.filter((c) => c.op === 'updateElements');
  const op = (c: (typeof updates)[number], kind: 'addElements' | 'deleteElements', elements: string[]): NftOp[] =>
    elements.length === 0 ? [] : [{ op: kind, family: c.table.family, table: c.table.name, set: c.set, elements }];
  return [
    ...updates.flatMap((c) => op(c, 'deleteElements', c.remove)),
    ...updates.flatMap((c) => op(c, 'addElements', c.add)),
  ];
}

export function describeTableChange(change: TableChange): string {
  const name = `${change.table.family} ${change.table.name}`;
  if (change.op === 'replaceTable') return `replace nft table ${name} (${change.reason})`;
  return `update set ${change.set.name} of ${name}: +${change.add.length} -${change.remove.length} elements`;
}

/** The table with every set emptied: what must match for element updates to be enough. */
export function structureOf(table: NftTable): NftTable {
  return { ...table, sets: table.sets.map((s) => ({ ...s, elements: [] })) };
}

function diffElements(desired: readonly string[], current: readonly string[]): { add: string[]; remove: string[] } {
  const want = new Set(desired);
  const have = new Set(current);
  return { add: desired.filter((e) => !have.has(e)), remove: current.filter((e) => !want.has(e)) };
}

function refOf(set: NftSet): NftSetRef {
  return { name: set.name, type: set.type, ...(set.map ? { map: set.map } : {}) };
}
