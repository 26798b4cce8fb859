import { isDeepStrictEqual } from 'node:util';
import type { NftChain, NftOp, NftSet, NftSetRef, NftTable } from './model.js';

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
  return elementUpdates(desired, observed);
}

/** Per set of the desired table, the elements to add and remove (the sets are declared alike on both sides). */
function elementUpdates(desired: NftTable, observed: NftTable): Extract<TableChange, { op: 'updateElements' }>[] {
  return desired.sets.flatMap((set) => {
    const current = observed.sets.find((s) => s.name === set.name)?.elements ?? [];
    const { add, remove } = diffElements(set.elements, current);
    return add.length + remove.length === 0
      ? []
      : [{ op: 'updateElements' as const, table: desired, set: refOf(set), add, remove }];
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

/**
 * A step of the chain-level delta: element updates as above, and whole chains added, rewritten (flush + rules) or
 * deleted, the way kube-proxy's nftables mode rewrites only the chains of the services that changed.
 */
export type TableDelta =
  | Extract<TableChange, { op: 'updateElements' }>
  | { op: 'replaceTable'; table: NftTable; reason: 'TableMissing' | 'StructureDiffers' | 'Rebuild' }
  | { op: 'addChain' | 'replaceChain'; table: NftTable; chain: NftChain }
  | { op: 'deleteChain'; table: NftTable; chain: string };

/**
 * (desired, observed) -> the chain-level delta; pure. [] means converged. Chains are matched by name, whatever order
 * the kernel lists them in (an added chain lists last). The whole table is replaced when it is missing, when its
 * skeleton differs (sets' declarations, a base chain's hook, type, priority or policy, a base chain on one side only,
 * an object the model does not know: a foreign or damaged table), and on `rebuild` (a full resync, the first apply,
 * after a failed one) whenever anything differs, so recovery never depends on what a refused delta left.
 */
export function planTableDelta(
  desired: NftTable,
  observed: NftTable | undefined,
  opts: { rebuild?: boolean } = {},
): TableDelta[] {
  if (!observed) return [{ op: 'replaceTable', table: desired, reason: 'TableMissing' }];
  if (!sameSkeleton(desired, observed)) return [{ op: 'replaceTable', table: desired, reason: 'StructureDiffers' }];
  const have = new Map(observed.chains.map((c) => [c.name, c]));
  const want = new Set(desired.chains.map((c) => c.name));
  const chains = desired.chains.flatMap((chain): TableDelta[] => {
    const current = have.get(chain.name);
    if (!current) return [{ op: 'addChain', table: desired, chain }];
    return isDeepStrictEqual(current.rules, chain.rules) ? [] : [{ op: 'replaceChain', table: desired, chain }];
  });
  const deletes = observed.chains.filter((c) => !want.has(c.name));
  const changes: TableDelta[] = [
    ...chains,
    ...deletes.map((c): TableDelta => ({ op: 'deleteChain', table: desired, chain: c.name })),
    ...elementUpdates(desired, observed),
  ];
  if (opts.rebuild && changes.length > 0) return [{ op: 'replaceTable', table: desired, reason: 'Rebuild' }];
  return changes;
}

/**
 * The delta as one transaction: element deletes, new chains (in the desired table's order, which puts a chain before
 * any rule that jumps to it), rewritten chains, element adds, then the deleted chains, which nothing refers to by
 * then. Counters of chains the delta does not name survive.
 */
export function tableDeltaOps(changes: readonly TableDelta[]): NftOp[] {
  const replace = changes.find((c) => c.op === 'replaceTable');
  if (replace) return [{ op: 'replaceTable', table: replace.table }];
  const elements = tableChangeOps(changes.filter((c) => c.op === 'updateElements'));
  const chainOps = (kind: 'addChain' | 'replaceChain'): NftOp[] =>
    changes.flatMap((c) =>
      c.op === kind ? [{ op: kind, family: c.table.family, table: c.table.name, chain: c.chain }] : [],
    );
  const deleted = changes.flatMap((c) => (c.op === 'deleteChain' ? [c] : []));
  const first = deleted[0];
  return [
    ...elements.filter((op) => op.op === 'deleteElements'),
    ...chainOps('addChain'),
    ...chainOps('replaceChain'),
    ...elements.filter((op) => op.op === 'addElements'),
    ...(first
      ? [
          {
            op: 'deleteChains' as const,
            family: first.table.family,
            table: first.table.name,
            names: deleted.map((c) => c.chain),
          },
        ]
      : []),
  ];
}

export function describeTableDelta(change: TableDelta): string {
  const name = `${change.table.family} ${change.table.name}`;
  switch (change.op) {
    case 'replaceTable':
      return `replace nft table ${name} (${change.reason})`;
    case 'updateElements':
      return describeTableChange(change);
    case 'addChain':
      return `add chain ${change.chain.name} to ${name} (${change.chain.rules.length} rules)`;
    case 'replaceChain':
      return `rewrite chain ${change.chain.name} of ${name} (${change.chain.rules.length} rules)`;
    case 'deleteChain':
      return `delete chain ${change.chain} of ${name}`;
  }
}

/**
 * What chain changes cannot fix: sets' declarations, base chains (present on both sides, the same hook) and chain
 * names nft cannot hold (how the adapter lists objects the model does not know).
 */
function sameSkeleton(desired: NftTable, observed: NftTable): boolean {
  const sets = (t: NftTable): NftTable['sets'] => structureOf({ ...t, chains: [] }).sets;
  const bases = (t: NftTable): [string, unknown][] =>
    t.chains.flatMap((c): [string, unknown][] => (c.base ? [[c.name, c.base]] : [])).sort(byName);
  return (
    isDeepStrictEqual(sets(desired), sets(observed)) &&
    isDeepStrictEqual(bases(desired), bases(observed)) &&
    observed.chains.every((c) => CHAIN_NAME.test(c.name))
  );
}

/** A chain name as nft accepts it unquoted: anything else came from outside the model. */
const CHAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;

function byName(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
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
