import type { OwnedTable } from '../../runtime/nft/owned-table.js';
import { firewallOps, type FirewallAction, type FirewallObserved } from './plan.js';

/** The controller's I/O on its one table: reads through OwnedTable's element cache, and memory of a refused commit. */
export class FirewallTableIo {
  private lastCommitFailed = false;

  constructor(private readonly table: OwnedTable) {}

  /** `full` (first pass, after a failed apply) re-reads every element instead of trusting the cache. */
  async observe(signal: AbortSignal, full: boolean): Promise<FirewallObserved> {
    const table = await this.table.observe(signal, full);
    return { ...(table ? { table } : {}), ...(this.lastCommitFailed ? { rebuild: true } : {}) };
  }

  /** The whole plan as one transaction; OwnedTable keeps its cache in step, or drops it when nft refuses. */
  async apply(actions: readonly FirewallAction[], signal: AbortSignal): Promise<void> {
    const ops = firewallOps(actions);
    if (ops.length === 0) return;
    try {
      await this.table.commit(ops, signal);
    } catch (err) {
      this.lastCommitFailed = true;
      throw err;
    }
    this.lastCommitFailed = false;
  }
}
