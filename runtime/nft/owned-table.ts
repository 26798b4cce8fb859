import { opTable, type NftFamily, type NftOp, type NftTable, type ObservedTable } from '../../renderers/nft/model.js';
import { sortElements } from '../../renderers/nft/elements.js';
import type { NftPort } from '../ports.js';

export interface OwnedTableOptions {
  /** A full listing (with elements) at least this often, so out-of-band element edits are seen. */
  fullResyncMs?: number;
  now?: () => number;
}

/**
 * A controller's own nft table, read through an element cache. Listing tens of thousands of elements on every pass
 * costs more than the change being made, so between full listings the table is read without elements (`nft -t`) and
 * the elements come from what this process last committed. Any failed commit drops the cache: the next read is full.
 */
export class OwnedTable {
  private elements?: Map<string, string[]>;
  private lastFullAt = -Infinity;

  constructor(
    private readonly nft: NftPort,
    readonly family: NftFamily,
    readonly name: string,
    private readonly opts: OwnedTableOptions = {},
  ) {}

  async observe(signal: AbortSignal, full: boolean): Promise<ObservedTable | undefined> {
    const now = (this.opts.now ?? performance.now.bind(performance))();
    const stale = now - this.lastFullAt >= (this.opts.fullResyncMs ?? 60_000);
    if (full || stale || !this.elements) {
      const listed = await this.nft.listTable(this.family, this.name, signal);
      this.lastFullAt = now;
      this.elements = listed ? elementsOf(listed.table) : new Map();
      return listed;
    }
    const listed = await this.nft.listTable(this.family, this.name, signal, { elements: false });
    if (!listed) return undefined;
    const cached = this.elements;
    const sets = listed.table.sets.map((s) => ({ ...s, elements: [...(cached.get(s.name) ?? [])] }));
    return { ...listed, table: { ...listed.table, sets } };
  }

  async commit(ops: readonly NftOp[], signal: AbortSignal): Promise<void> {
    try {
      await this.nft.commit(ops, signal);
    } catch (err) {
      this.elements = undefined;
      throw err;
    }
    if (this.elements) for (const op of ops) applyToCache(this.elements, op, this);
  }
}

function elementsOf(table: NftTable): Map<string, string[]> {
  return new Map(table.sets.map((s) => [s.name, [...s.elements]]));
}

function applyToCache(cache: Map<string, string[]>, op: NftOp, own: { family: NftFamily; name: string }): void {
  const target = opTable(op);
  if (target.family !== own.family || target.name !== own.name) return;
  if (op.op === 'replaceTable') {
    cache.clear();
    for (const [name, elements] of elementsOf(op.table)) cache.set(name, elements);
  } else if (op.op === 'deleteTable') {
    cache.clear();
  } else if ('set' in op) {
    const elements = new Set(cache.get(op.set.name) ?? []);
    for (const e of op.elements) {
      if (op.op === 'addElements') elements.add(e);
      else elements.delete(e);
    }
    cache.set(op.set.name, sortElements([...elements]));
  }
  // Chain operations leave every set's elements as they were.
}
