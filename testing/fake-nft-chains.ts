// How the fake nft applies chain operations and checks references, the way the kernel does within one transaction:
// a rule may jump only to a chain that exists at that point, a new chain lists after the existing ones, `add chain`
// of an existing chain appends the rules, and a chain still referenced cannot be deleted (EBUSY).
import type { NftChain, NftOp, NftTable } from '../renderers/nft/model.js';
import { applyFailed, isIdentifier } from './fake-nft-sets.js';

type ChainOp = Extract<NftOp, { op: 'addChain' | 'replaceChain' | 'deleteChains' }>;

/** The table after one chain operation; throws ControllerError('ApplyFailed') on what nft refuses. */
export function withChainOp(table: NftTable, op: ChainOp): NftTable {
  const where = `${table.family} ${table.name}`;
  if (op.op === 'deleteChains') return withoutChains(table, op.names);
  const current = table.chains.find((c) => c.name === op.chain.name);
  if (op.op === 'replaceChain' && !current)
    throw applyFailed(`flush chain ${op.chain.name} in ${where}: No such file or directory`);
  assertChain(table, op.chain);
  const rules = [...(op.op === 'addChain' ? (current?.rules ?? []) : []), ...op.chain.rules];
  if (!current) return { ...table, chains: [...table.chains, { ...op.chain, rules }] };
  return { ...table, chains: table.chains.map((c) => (c === current ? { ...c, rules } : c)) };
}

/** Validates a chain's name, priority and every reference of its rules against the table as it is now. */
export function assertChain(table: NftTable, chain: NftChain, chainNames?: ReadonlySet<string>): void {
  if (!isIdentifier(chain.name)) throw applyFailed(`bad chain name "${chain.name}"`);
  if (chain.base && !Number.isInteger(chain.base.prio)) throw applyFailed(`chain ${chain.name}: bad priority`);
  const sets = new Set(table.sets.map((s) => s.name));
  const chains = chainNames ?? new Set([...table.chains.map((c) => c.name), chain.name]);
  for (const rule of chain.rules) assertReferences(rule.expr, sets, chains, chain.name);
}

function withoutChains(table: NftTable, names: readonly string[]): NftTable {
  for (const name of names)
    if (!table.chains.some((c) => c.name === name))
      throw applyFailed(`delete chain ${name} in ${table.family} ${table.name}: No such file or directory`);
  const gone = new Set(names);
  const chains = table.chains.filter((c) => !gone.has(c.name));
  for (const chain of chains)
    for (const target of jumpTargets(chain))
      if (gone.has(target)) throw applyFailed(`delete chain ${target}: Device or resource busy`);
  return { ...table, chains };
}

/** Every "@set" string and every jump/goto target inside a rule must exist in the same table. */
export function assertReferences(
  value: unknown,
  sets: ReadonlySet<string>,
  chains: ReadonlySet<string>,
  chain: string,
): void {
  if (typeof value === 'string') {
    if (value.startsWith('@') && !sets.has(value.slice(1)))
      throw applyFailed(`chain ${chain}: set ${value.slice(1)} does not exist`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) assertReferences(item, sets, chains, chain);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    const target = (inner as { target?: unknown } | null)?.target;
    if ((key === 'jump' || key === 'goto') && typeof target === 'string' && !chains.has(target)) {
      throw applyFailed(`chain ${chain}: ${key} to missing chain ${target}`);
    }
    assertReferences(inner, sets, chains, chain);
  }
}

function jumpTargets(chain: NftChain): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null)
      for (const [key, inner] of Object.entries(value)) {
        const target = (inner as { target?: unknown } | null)?.target;
        if ((key === 'jump' || key === 'goto') && typeof target === 'string') found.push(target);
        walk(inner);
      }
  };
  chain.rules.forEach((rule) => walk(rule.expr));
  return found;
}
