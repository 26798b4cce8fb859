import { isDeepStrictEqual } from 'node:util';
import { structureOf } from '../../renderers/nft/delta.js';
import { patchSorted } from '../../renderers/nft/elements.js';
import {
  opTable,
  type NftChain,
  type NftFamily,
  type NftOp,
  type NftTable,
  type ObservedTable,
  type RuleCounter,
} from '../../renderers/nft/model.js';

/** What a table holds as far as this process knows: listed, then followed through its own commits. */
export type CachedTable = { observed: ObservedTable | undefined };

/**
 * The table after a committed transaction, as a listing would show it: rules of new or rewritten chains count from
 * zero, other counters keep their last listed values. undefined when the ops do not fit what is cached (an element
 * op on a table or set the cache lacks): the next read must list.
 */
export function afterCommit(
  cached: CachedTable,
  ops: readonly NftOp[],
  own: { family: NftFamily; name: string },
): CachedTable | undefined {
  let observed = cached.observed && copyObserved(cached.observed);
  for (const op of ops) {
    const target = opTable(op);
    if (target.family !== own.family || target.name !== own.name) continue;
    if (op.op === 'replaceTable') observed = { table: copyTable(op.table), counters: zeroCounters(op.table.chains) };
    else if (op.op === 'deleteTable') observed = undefined;
    else if (!observed || !applyToTable(observed, op)) return undefined;
  }
  return { observed };
}

/**
 * The counters of a terse listing (no elements) when its structure is the memory's, or undefined when they differ
 * (the table changed in a way the memory does not know).
 */
export function countersIfSameStructure(
  cached: CachedTable,
  listed: ObservedTable | undefined,
): RuleCounter[] | undefined {
  if (!cached.observed || !listed) return !cached.observed && !listed ? [] : undefined;
  return isDeepStrictEqual(structureOf(cached.observed.table), structureOf(listed.table)) ? listed.counters : undefined;
}

/** A copy whose arrays the caller may change without touching the cache (rules are shared: nobody edits them). */
export function copyObserved(observed: ObservedTable): ObservedTable {
  return { table: copyTable(observed.table), counters: [...observed.counters] };
}

function copyTable(table: NftTable): NftTable {
  return {
    ...table,
    sets: table.sets.map((s) => ({ ...s, flags: [...s.flags], elements: [...s.elements] })),
    chains: table.chains.map((c) => ({ ...c, rules: [...c.rules] })),
  };
}

function applyToTable(observed: ObservedTable, op: Exclude<NftOp, { op: 'replaceTable' | 'deleteTable' }>): boolean {
  const { table } = observed;
  if ('elements' in op) {
    const set = table.sets.find((s) => s.name === op.set.name);
    if (!set) return false;
    set.elements =
      op.op === 'addElements' ? patchSorted(set.elements, op.elements, []) : patchSorted(set.elements, [], op.elements);
    return true;
  }
  return applyChainOp(observed, op);
}

type ChainOp = Extract<NftOp, { op: 'addChain' | 'replaceChain' | 'deleteChains' }>;

function applyChainOp(observed: ObservedTable, op: ChainOp): boolean {
  const { table } = observed;
  if (op.op === 'deleteChains') {
    observed.counters = observed.counters.filter((c) => !op.names.includes(c.chain));
    table.chains = table.chains.filter((c) => !op.names.includes(c.name));
    return true;
  }
  const name = op.chain.name;
  const at = table.chains.findIndex((c) => c.name === name);
  const existing = at === -1 ? undefined : table.chains[at]!;
  if (op.op === 'replaceChain' && !existing) return false;
  // replaceChain flushes the rules and keeps the base hook; addChain of an existing chain appends its rules.
  const kept = op.op === 'addChain' ? (existing?.rules ?? []) : [];
  if (op.op === 'replaceChain') observed.counters = observed.counters.filter((c) => c.chain !== name);
  const chain: NftChain = { ...(existing ?? op.chain), rules: [...kept, ...op.chain.rules] };
  if (existing) table.chains[at] = chain;
  else table.chains.push(chain);
  observed.counters.push(...zeroCounters([{ ...chain, rules: op.chain.rules }], kept.length));
  return true;
}

/** The counters a listing shows for freshly loaded rules: one per rule with a counter statement, at zero. */
function zeroCounters(chains: readonly NftChain[], firstIndex = 0): RuleCounter[] {
  return chains.flatMap((chain) =>
    chain.rules.flatMap((rule, i): RuleCounter[] =>
      rule.expr.some((stmt) => 'counter' in stmt)
        ? [{ chain: chain.name, index: firstIndex + i, ...commentOf(rule.comment), packets: 0, bytes: 0 }]
        : [],
    ),
  );
}

const commentOf = (comment: string | undefined): { comment?: string } => (comment ? { comment } : {});
