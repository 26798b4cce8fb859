// In-memory NftPort for unit tests: a model of the kernel's tables that commits atomically and records what it was
// asked. It rejects what the real `nft -j -f` rejects for the shapes this project writes (prefixes in a set without
// the interval flag, overlapping intervals, references to missing sets or chains, deleting a missing table), so a
// plan that only "works" against the fake is unlikely.
import { ControllerError } from '../runtime/controller.js';
import type { NftPort } from '../runtime/ports.js';
import type { NftFamily, NftOp, NftSet, NftTable, ObservedTable, RuleCounter } from '../renderers/nft/model.js';
import { sortElements } from '../renderers/nft/elements.js';
import { cidrRange, ipv4ToNumber, rangesOverlap, type Ipv4Range } from '../runtime/net/cidr.js';

export const tableKey = (family: NftFamily, name: string): string => `${family} ${name}`;

export interface RejectedCommit {
  ops: NftOp[];
  message: string;
}

/** The order `nft list` prints set flags in. */
const FLAG_ORDER = ['constant', 'interval', 'timeout', 'dynamic'];
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
  readonly calls = { listTable: 0, commit: 0, check: 0 };

  constructor(initial: readonly NftTable[] = []) {
    for (const table of initial) this.seed(table);
  }

  listTable(family: NftFamily, name: string, signal: AbortSignal): Promise<ObservedTable | undefined> {
    this.calls.listTable += 1;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const table = this.tables.get(tableKey(family, name));
    return Promise.resolve(table ? { table: clone(table), counters: this.countersOf(table) } : undefined);
  }

  commit(ops: readonly NftOp[], signal: AbortSignal): Promise<void> {
    this.calls.commit += 1;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const copy = clone([...ops]);
    try {
      if (this.pendingFailure !== undefined) throw new ControllerError('ApplyFailed', this.pendingFailure);
      const next = simulate(this.tables, copy);
      for (const key of touchedKeys(copy)) this.resetCounters(key);
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
    this.resetCounters(tableKey(table.family, table.name));
  }

  /** Drift: someone ran `nft delete table ...` behind the controller's back. */
  deleteTableOutOfBand(family: NftFamily, name: string): void {
    this.tables.delete(tableKey(family, name));
    this.resetCounters(tableKey(family, name));
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

  private resetCounters(key: string): void {
    for (const k of [...this.counterValues.keys()]) if (k.startsWith(`${key}\u0000`)) this.counterValues.delete(k);
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

function counterKey(table: string, chain: string, index: number): string {
  return `${table}\u0000${chain}\u0000${index}`;
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

function touchedKeys(ops: readonly NftOp[]): string[] {
  return ops.map((op) =>
    op.op === 'deleteTable' ? tableKey(op.family, op.name) : tableKey(op.table.family, op.table.name),
  );
}

/** Applies ops to a copy of the tables; throws ControllerError('ApplyFailed') on the first invalid op. */
function simulate(current: ReadonlyMap<string, NftTable>, ops: readonly NftOp[]): Map<string, NftTable> {
  const next = new Map(current);
  for (const op of ops) {
    if (op.op === 'deleteTable') {
      const key = tableKey(op.family, op.name);
      if (!next.has(key)) throw applyFailed(`delete table ${key}: No such file or directory`);
      next.delete(key);
    } else {
      next.set(tableKey(op.table.family, op.table.name), normaliseTable(op.table));
    }
  }
  return next;
}

function applyFailed(message: string): ControllerError {
  return new ControllerError('ApplyFailed', `nft rejected the transaction: ${message}`);
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
  const setNames = new Set(sets.map((s) => s.name));
  const chainNames = new Set(table.chains.map((c) => c.name));
  for (const chain of table.chains) {
    if (!isIdentifier(chain.name)) throw applyFailed(`bad chain name "${chain.name}"`);
    if (chain.base && !Number.isInteger(chain.base.prio)) throw applyFailed(`chain ${chain.name}: bad priority`);
    for (const rule of chain.rules) assertReferences(rule.expr, setNames, chainNames, chain.name);
  }
  return { family: table.family, name: table.name, sets, chains: clone(table.chains) };
}

function normaliseSet(set: NftSet): NftSet {
  if (!isIdentifier(set.name)) throw applyFailed(`bad set name "${set.name}"`);
  const interval = set.flags.includes('interval');
  const ranges = set.elements.map((e) => parseElement(set, e, interval));
  if (interval) {
    ranges.forEach((r, i) => {
      if (ranges.some((o, j) => j < i && rangesOverlap(o, r)))
        throw applyFailed(`set ${set.name}: conflicting intervals specified`);
    });
  } else if (new Set(set.elements).size !== set.elements.length) {
    throw applyFailed(`set ${set.name}: duplicate element`);
  }
  const flags = [...set.flags].sort((a, b) => FLAG_ORDER.indexOf(a) - FLAG_ORDER.indexOf(b));
  return { name: set.name, type: set.type, flags, elements: sortElements(set.elements) };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

type ElementError = (why: string) => ControllerError;

function parseElement(set: NftSet, element: string, interval: boolean): Ipv4Range {
  const bad: ElementError = (why) => applyFailed(`set ${set.name}: element "${element}" ${why}`);
  if (set.type === 'ipv4_addr')
    return element.indexOf('-') > 0 ? parseAddressRange(element, interval, bad) : parsePrefix(element, interval, bad);
  if (set.type === 'inet_service') return parsePorts(element, interval, bad);
  if (!/^[a-z0-9-]+$/.test(element)) throw bad('is not a protocol');
  return { first: 0, last: -1 };
}

function parseAddressRange(element: string, interval: boolean, bad: ElementError): Ipv4Range {
  const dash = element.indexOf('-');
  const [a, b] = [element.slice(0, dash), element.slice(dash + 1)];
  if (!isIpv4(a) || !isIpv4(b) || ipv4ToNumber(a) > ipv4ToNumber(b)) throw bad('is not a valid range');
  if (!interval) throw bad("needs 'flags interval'");
  return { first: ipv4ToNumber(a), last: ipv4ToNumber(b) };
}

function parsePrefix(element: string, interval: boolean, bad: ElementError): Ipv4Range {
  const [addr = '', len = ''] = element.split('/');
  if (!isIpv4(addr) || !/^\d+$/.test(len) || Number(len) > 32) throw bad('is not a.b.c.d/len');
  const range = cidrRange(element);
  if (range.first !== ipv4ToNumber(addr)) throw bad('has host bits set');
  if (!interval && len !== '32') throw bad("is a prefix: add 'flags interval'");
  return range;
}

function parsePorts(element: string, interval: boolean, bad: ElementError): Ipv4Range {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(element);
  const [first, last] = [Number(m?.[1]), Number(m?.[2] ?? m?.[1])];
  if (!m || last > 65535 || first > last) throw bad('is not a port or port range');
  if (m[2] !== undefined && !interval) throw bad("needs 'flags interval'");
  return { first, last };
}

function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(name) && name.length <= 256;
}

function assertUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw applyFailed(`${what} ${name} declared twice`);
    seen.add(name);
  }
}

/** Every "@set" string and every jump/goto target inside a rule must exist in the same table. */
function assertReferences(value: unknown, sets: ReadonlySet<string>, chains: ReadonlySet<string>, chain: string): void {
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
