import { elementToJson } from './elements.js';
import type { NftChain, NftOp, NftSet, NftTable } from './model.js';

/** One libnftables JSON command, e.g. { add: { table: {...} } }. */
export type NftJsonCommand = Record<string, Record<string, unknown>>;

/** Renders ops as one libnftables JSON document: `nft -j -f <file>` runs it as a single transaction. */
export function renderTransaction(ops: readonly NftOp[]): { nftables: NftJsonCommand[] } {
  return { nftables: ops.flatMap(renderOp) };
}

function renderOp(op: NftOp): NftJsonCommand[] {
  if (op.op === 'deleteTable') return [{ delete: { table: { family: op.family, name: op.name } } }];
  return renderReplaceTable(op.table);
}

/** add+delete+add makes the replace atomic and valid whether or not the table exists yet. */
function renderReplaceTable(table: NftTable): NftJsonCommand[] {
  const ref = { family: table.family, name: table.name };
  return [
    { add: { table: ref } },
    { delete: { table: ref } },
    { add: { table: ref } },
    ...table.sets.map((set) => ({ add: { set: renderSet(table, set) } })),
    ...table.chains.flatMap((chain) => renderChain(table, chain)),
  ];
}

function renderSet(table: NftTable, set: NftSet): Record<string, unknown> {
  return {
    family: table.family,
    table: table.name,
    name: set.name,
    type: set.type,
    ...(set.flags.length > 0 ? { flags: set.flags } : {}),
    ...(set.elements.length > 0 ? { elem: set.elements.map((e) => elementToJson(set.type, e)) } : {}),
  };
}

function renderChain(table: NftTable, chain: NftChain): NftJsonCommand[] {
  const ref = { family: table.family, table: table.name };
  return [
    { add: { chain: { ...ref, name: chain.name, ...(chain.base ?? {}) } } },
    ...chain.rules.map((rule) => ({
      add: { rule: { ...ref, chain: chain.name, ...(rule.comment ? { comment: rule.comment } : {}), expr: rule.expr } },
    })),
  ];
}
