import { elementToJson } from './elements.js';
import type { NftChain, NftOp, NftSet, NftSetRef, NftTable } from './model.js';

/** One libnftables JSON command, e.g. { add: { table: {...} } }. */
export type NftJsonCommand = Record<string, Record<string, unknown>>;

/** Renders ops as one libnftables JSON document: `nft -j -f <file>` runs it as a single transaction. */
export function renderTransaction(ops: readonly NftOp[]): { nftables: NftJsonCommand[] } {
  return { nftables: ops.flatMap(renderOp) };
}

function renderOp(op: NftOp): NftJsonCommand[] {
  switch (op.op) {
    case 'deleteTable':
      return [{ delete: { table: { family: op.family, name: op.name } } }];
    case 'replaceTable':
      return renderReplaceTable(op.table);
    case 'addElements':
    case 'deleteElements': {
      const element = {
        family: op.family,
        table: op.table,
        name: op.set.name,
        elem: elementsJson(op.set, op.elements),
      };
      return [op.op === 'addElements' ? { add: { element } } : { delete: { element } }];
    }
    case 'addChain':
      return renderChain({ family: op.family, name: op.table }, op.chain);
    case 'replaceChain':
      return [
        { flush: { chain: { family: op.family, table: op.table, name: op.chain.name } } },
        ...renderRules({ family: op.family, name: op.table }, op.chain),
      ];
    case 'deleteChains': {
      const refs = op.names.map((name) => ({ chain: { family: op.family, table: op.table, name } }));
      return [...refs.map((ref) => ({ flush: ref })), ...refs.map((ref) => ({ delete: ref }))];
    }
  }
}

/** add+delete+add makes the replace atomic and valid whether or not the table exists yet. */
function renderReplaceTable(table: NftTable): NftJsonCommand[] {
  const ref = { family: table.family, name: table.name };
  return [
    { add: { table: ref } },
    { delete: { table: ref } },
    { add: { table: ref } },
    ...table.sets.map((set) => renderSet(table, set)),
    ...table.chains.flatMap((chain) => renderChain(table, chain)),
  ];
}

function renderSet(table: NftTable, set: NftSet): NftJsonCommand {
  const body = {
    family: table.family,
    table: table.name,
    name: set.name,
    type: set.type,
    ...(set.map !== undefined ? { map: set.map } : {}),
    ...(set.flags.length > 0 ? { flags: set.flags } : {}),
    ...(set.elements.length > 0 ? { elem: elementsJson(set, set.elements) } : {}),
  };
  return set.map !== undefined ? { add: { map: body } } : { add: { set: body } };
}

function elementsJson(set: NftSetRef, elements: readonly string[]): unknown[] {
  return elements.map((e) => elementToJson(set, e));
}

type TableRef = Pick<NftTable, 'family' | 'name'>;

function renderChain(table: TableRef, chain: NftChain): NftJsonCommand[] {
  const ref = { family: table.family, table: table.name };
  return [{ add: { chain: { ...ref, name: chain.name, ...(chain.base ?? {}) } } }, ...renderRules(table, chain)];
}

function renderRules(table: TableRef, chain: NftChain): NftJsonCommand[] {
  const ref = { family: table.family, table: table.name };
  return chain.rules.map((rule) => ({
    add: { rule: { ...ref, chain: chain.name, ...(rule.comment ? { comment: rule.comment } : {}), expr: rule.expr } },
  }));
}
