// In-memory NftPort for unit tests: a model of the kernel's tables that commits atomically and records what it was
// asked. It rejects what the real `nft -j -f` rejects for the shapes this project writes (see fake-nft-sets.ts;
// references to missing sets or chains, deleting a missing table, elements of a missing set), so a plan that only
// "works" against the fake is unlikely.
import { ControllerError } from '../runtime/controller.js';
import type { NftPort } from '../runtime/ports.js';
import {
  opTable,
  type ListOptions,
  type NftFamily,
  type NftOp,
  type NftTable,
  type ObservedTable,
  type RuleCounter,
} from '../renderers/nft/model.js';
import { assertChain, withChainOp } from './fake-nft-chains.js';
import { applyFailed, changeElements, isIdentifier, normaliseSet } from './fake-nft-sets.js';

export const tableKey = (family: NftFamily, name: string): string => `${family} ${name}`;

export interface RejectedCommit {
  ops: NftOp[];
  message: string;
}

const FAMILIES: readonly string[] = ['ip', 'ip6', 'inet'];

export class FakeNft implements NftPort {
  private tables = new Map<string, NftTable>();
  private readonly counterValues = new Map<string, { packets: number; bytes: number }>();
  private pendingFailure?: string;
  /** Every committed transaction, in order (deep copies of the ops). */
  readonly transactions: NftOp[][] = [];
  /** Transactions that were refused (validation or failNextCommit); nothing of them took effect. */
  readonly rejected: RejectedCommit[] = [];
  /** Transactions passed to check(). */
  readonly checks: NftOp[][] = [];
  /** listTable counts every listing; terseListTable those without elements. */
  readonly calls = { listTable: 0, terseListTable: 0, commit: 0, check: 0 };

  constructor(initial: readonly NftTable[] = []) {
    for (const table of initial) this.seed(table);
  }

  listTable(
    family: NftFamily,
    name: string,
    signal: AbortSignal,
    opts?: ListOptions,
  ): Promise<ObservedTable | undefined> {
    this.calls.listTable += 1;
    if (opts?.elements === false) this.calls.terseListTable += 1;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const table = this.tables.get(tableKey(family, name));
    if (!table) return Promise.resolve(undefined);
    const listed = clone(table);
    if (opts?.elements === false) for (const set of listed.sets) set.elements = [];
    return Promise.resolve({ table: listed, counters: this.countersOf(table) });
  }

  commit(ops: readonly NftOp[], signal: AbortSignal): Promise<void> {
    this.calls.commit += 1;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const copy = clone([...ops]);
    try {
      if (this.pendingFailure !== undefined) throw new ControllerError('ApplyFailed', this.pendingFailure);
      const next = simulate(this.tables, copy);
      for (const prefix of rebuiltCounters(copy)) this.resetCounters(prefix);
      this.tables = next;
      this.transactions.push(copy);
      return Promise.resolve();
    } catch (err) {
      this.rejected.push({ ops: copy, message: (err as Error).message });
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.pendingFailure = undefined;
    }
  }

  check(ops: readonly NftOp[], signal: AbortSignal): Promise<void> {
    this.calls.check += 1;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    this.checks.push(clone([...ops]));
    try {
      simulate(this.tables, clone([...ops]));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The next commit fails with ControllerError('ApplyFailed', message) and changes nothing. */
  failNextCommit(message = 'injected commit failure'): void {
    this.pendingFailure = message;
  }

  /** Puts a table in place as if another tool had created it (validated like a commit, not recorded). */
  seed(table: NftTable): void {
    this.tables = simulate(this.tables, [{ op: 'replaceTable', table: clone(table) }]);
    this.resetCounters(counterKey(tableKey(table.family, table.name)));
  }

  /** Drift: someone ran `nft delete table ...` behind the controller's back. */
  deleteTableOutOfBand(family: NftFamily, name: string): void {
    this.tables.delete(tableKey(family, name));
    this.resetCounters(counterKey(tableKey(family, name)));
  }

  /** Drift: edits a table in place without validation (anything a human could do with `nft`). */
  mutate(family: NftFamily, name: string, edit: (table: NftTable) => void): void {
    const table = this.tables.get(tableKey(family, name));
    if (!table) throw new Error(`FakeNft.mutate: no table ${tableKey(family, name)}`);
    const copy = clone(table);
    edit(copy);
    this.tables.set(tableKey(copy.family, copy.name), copy);
  }

  /** Sets the packet/byte counter of the rule at `index` of `chain` (the rule must carry `{ counter: null }`). */
  setCounter(
    family: NftFamily,
    name: string,
    at: { chain: string; index: number },
    value: { packets: number; bytes: number },
  ): void {
    const rule = this.tables.get(tableKey(family, name))?.chains.find((c) => c.name === at.chain)?.rules[at.index];
    if (!rule || !hasCounter(rule.expr))
      throw new Error(`FakeNft.setCounter: no counter rule ${at.chain}[${at.index}] in ${tableKey(family, name)}`);
    this.counterValues.set(counterKey(tableKey(family, name), at.chain, at.index), { ...value });
  }

  /** A deep copy of one table, or undefined. */
  table(family: NftFamily, name: string): NftTable | undefined {
    const table = this.tables.get(tableKey(family, name));
    return table ? clone(table) : undefined;
  }

  /** Deep copy of every table, keyed `family name`, for before/after comparisons. */
  snapshot(): Record<string, NftTable> {
    return Object.fromEntries([...this.tables].map(([key, table]) => [key, clone(table)]));
  }

  tableKeys(): string[] {
    return [...this.tables.keys()].sort();
  }

  private countersOf(table: NftTable): RuleCounter[] {
    const key = tableKey(table.family, table.name);
    return table.chains.flatMap((chain) =>
      chain.rules.flatMap((rule, index) => {
        if (!hasCounter(rule.expr)) return [];
        const value = this.counterValues.get(counterKey(key, chain.name, index)) ?? { packets: 0, bytes: 0 };
        return [{ chain: chain.name, index, ...(rule.comment ? { comment: rule.comment } : {}), ...value }];
      }),
    );
  }

  /** Forgets the counters whose keys start with `prefix` (a table's or a chain's, see counterKey). */
  private resetCounters(prefix: string): void {
    for (const k of [...this.counterValues.keys()]) if (k.startsWith(prefix)) this.counterValues.delete(k);
  }
}

/**
 * Deep copy through JSON, not structuredClone: under jest, structuredClone builds objects from another realm, whose
 * prototypes make node:util isDeepStrictEqual (used by planners) report a difference where there is none.
 */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** The key of a rule's counter; without index (and chain), the prefix of a chain's (a table's) counters. */
function counterKey(table: string, chain?: string, index?: number): string {
  return [table, ...(chain === undefined ? [] : [chain]), ...(index === undefined ? [] : [index]), ''].join('\u0000');
}

function hasCounter(expr: readonly unknown[]): boolean {
  return expr.some(
    (stmt) =>
      typeof stmt === 'object' &&
      stmt !== null &&
      Object.keys(stmt).length === 1 &&
      (stmt as { counter?: unknown }).counter === null,
  );
}

/**
 * Counter prefixes of the tables and chains whose rules were rebuilt: element changes keep rule counters, and so do
 * the chains a chain operation does not name, as in the kernel.
 */
function rebuiltCounters(ops: readonly NftOp[]): string[] {
  return ops.flatMap((op) => {
    const table = tableKey(opTable(op).family, opTable(op).name);
    if (op.op === 'replaceTable' || op.op === 'deleteTable') return [counterKey(table)];
    if (op.op === 'addChain' || op.op === 'replaceChain') return [counterKey(table, op.chain.name)];
    if (op.op === 'deleteChains') return op.names.map((name) => counterKey(table, name));
    return [];
  });
}

/** Applies ops to a copy of the tables; throws ControllerError('ApplyFailed') on the first invalid op. */
function simulate(current: ReadonlyMap<string, NftTable>, ops: readonly NftOp[]): Map<string, NftTable> {
  const next = new Map(current);
  for (const op of ops) {
    const target = opTable(op);
    const key = tableKey(target.family, target.name);
    const table = next.get(key);
    if (op.op === 'replaceTable') next.set(key, normaliseTable(op.table));
    else if (!table) throw applyFailed(`${op.op} in table ${key}: No such file or directory`);
    else if (op.op === 'deleteTable') next.delete(key);
    else if ('set' in op) next.set(key, withElements(table, op));
    else next.set(key, withChainOp(table, op));
  }
  return next;
}

function withElements(table: NftTable, op: Extract<NftOp, { op: 'addElements' | 'deleteElements' }>): NftTable {
  const set = table.sets.find((s) => s.name === op.set.name);
  if (!set) throw applyFailed(`set ${op.set.name} in ${table.family} ${table.name}: No such file or directory`);
  const changed = changeElements(set, op.set, op.op === 'addElements' ? 'add' : 'delete', op.elements);
  return { ...table, sets: table.sets.map((s) => (s === set ? changed : s)) };
}

/** Validates a table the way nft would and returns it as `nft list` would show it (sorted elements and flags). */
function normaliseTable(table: NftTable): NftTable {
  if (!FAMILIES.includes(table.family) || !isIdentifier(table.name))
    throw applyFailed(`bad table ${table.family} ${table.name}`);
  assertUnique(
    table.sets.map((s) => s.name),
    'set',
  );
  assertUnique(
    table.chains.map((c) => c.name),
    'chain',
  );
  const sets = table.sets.map(normaliseSet);
  // One `nft -f` declares every chain before any rule, so a rule may jump to a chain declared after its own.
  const chainNames = new Set(table.chains.map((c) => c.name));
  for (const chain of table.chains) assertChain({ ...table, sets }, chain, chainNames);
  return { family: table.family, name: table.name, sets, chains: clone(table.chains) };
}

function assertUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw applyFailed(`${what} ${name} declared twice`);
    seen.add(name);
  }
}
