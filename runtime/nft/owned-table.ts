import { Subject, type Observable } from 'rxjs';
import type { NftFamily, NftOp, ObservedTable } from '../../renderers/nft/model.js';
import type { NftPort, TableWatch } from '../ports.js';
import { afterCommit, copyObserved, countersIfSameStructure, type CachedTable } from './table-cache.js';

/** A background counter listing that takes longer than this is abandoned (the next read starts another). */
const COUNTERS_TIMEOUT_MS = 30_000;

export interface OwnedTableOptions {
  /** A full listing at least this often: the backstop for anything the monitor missed. */
  fullResyncMs?: number;
  /** Counters read from memory older than this are refreshed by a terse listing beside the pass, not in it. */
  countersMaxAgeMs?: number;
  now?: () => number;
}

/** How foreign edits of the table are noticed, for status: `nft monitor` events, or listing it every pass. */
export type TamperDetection = 'nft monitor' | 'listing';

/**
 * A controller's own nft table, kept in memory as last committed (as kube-proxy does): listing tens of thousands of
 * elements costs more than the change being made. While `nft monitor` watches the table (NftPort.watch), a read
 * returns the memory and spawns nothing; it lists in full on the first pass, when asked (`full`), when the last
 * listing is fullResyncMs old, and once the monitor reports a commit by another process (changes$ then asks the
 * reconcile loop to observe at once). Without a live monitor it lists the table every pass without elements (`nft
 * -t`) and takes the elements from memory. A failed commit forgets everything. Counters (status) are refreshed off
 * the change path: a read that finds them older than countersMaxAgeMs returns them as they are and starts a terse
 * listing in the background, which also checks the structure (a mismatch forgets the memory and asks for a pass).
 */
export class OwnedTable {
  private cache?: CachedTable;
  private lastFullAt = -Infinity;
  private countersAt = -Infinity;
  private refreshing = false;
  /** Commits started, and those not finished: a listing overlapping one may show either side of it. */
  private commitsStarted = 0;
  private commitsRunning = 0;
  private listedEpoch = -1;
  private watch?: TableWatch;
  private readonly changed = new Subject<void>();
  /** Emits once a foreign commit touched the table (or the monitor may have missed one). */
  readonly changes$: Observable<void> = this.changed.asObservable();

  constructor(
    private readonly nft: NftPort,
    readonly family: NftFamily,
    readonly name: string,
    private readonly opts: OwnedTableOptions = {},
  ) {}

  get tamperDetection(): TamperDetection {
    return this.watch?.live() ? 'nft monitor' : 'listing';
  }

  async observe(signal: AbortSignal, full: boolean): Promise<ObservedTable | undefined> {
    const watch = this.watched();
    const now = (this.opts.now ?? performance.now.bind(performance))();
    const live = watch?.live() ?? false;
    if (!this.cache || this.mustList(now, full, live)) {
      // The epoch before the listing: a change while it runs makes the next read list again.
      const epoch = watch?.epoch() ?? -1;
      const listed = await this.nft.listTable(this.family, this.name, signal);
      this.cache = { observed: listed && copyObserved(listed) };
      this.lastFullAt = this.countersAt = now;
      this.listedEpoch = epoch;
      return listed;
    }
    if (!live) return this.terse(signal);
    if (now - this.countersAt >= (this.opts.countersMaxAgeMs ?? 5_000)) this.refreshCounters(now);
    const { observed } = this.cache;
    return observed && copyObserved(observed);
  }

  /** Asked to, the full resync is due, or the monitor saw a foreign change since the last listing. */
  private mustList(now: number, full: boolean, live: boolean): boolean {
    const resyncDue = now - this.lastFullAt >= (this.opts.fullResyncMs ?? 60_000);
    return full || resyncDue || (live && this.watch?.epoch() !== this.listedEpoch);
  }

  /** Not awaited: the pass goes on with the counters it has, the next one gets these. */
  private refreshCounters(now: number): void {
    if (this.refreshing || this.commitsRunning > 0) return;
    this.refreshing = true;
    const cache = this.cache;
    const epoch = this.watch?.epoch();
    const commits = this.commitsStarted;
    const signal = AbortSignal.timeout(COUNTERS_TIMEOUT_MS);
    void this.nft
      .listTable(this.family, this.name, signal, { elements: false })
      .then((listed) => {
        // A commit, a listing or a foreign change meanwhile: this listing may be older than the memory.
        const overlapped = this.commitsStarted !== commits || this.watch?.epoch() !== epoch;
        if (overlapped || this.cache !== cache || !cache) return;
        const counters = countersIfSameStructure(cache, listed);
        this.countersAt = now;
        if (counters && cache.observed) cache.observed.counters = counters;
        else if (!counters) {
          this.cache = undefined;
          this.changed.next();
        }
      })
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  async commit(ops: readonly NftOp[], signal: AbortSignal): Promise<void> {
    this.commitsStarted += 1;
    this.commitsRunning += 1;
    try {
      await this.nft.commit(ops, signal);
    } catch (err) {
      this.cache = undefined;
      throw err;
    } finally {
      this.commitsRunning -= 1;
    }
    this.cache = this.cache && afterCommit(this.cache, ops, this);
  }

  /** Stops watching (controller shutdown). */
  close(): void {
    this.watch?.close();
    this.changed.complete();
  }

  /** Watching starts with the first read, so that building a controller spawns nothing. */
  private watched(): TableWatch | undefined {
    if (!this.watch && this.nft.watch) {
      this.watch = this.nft.watch(this.family, this.name);
      this.watch.changes$.subscribe(() => this.changed.next());
    }
    return this.watch;
  }

  /** Without the monitor: the table's structure as listed now, the elements from memory. */
  private async terse(signal: AbortSignal): Promise<ObservedTable | undefined> {
    const listed = await this.nft.listTable(this.family, this.name, signal, { elements: false });
    if (!listed) return undefined;
    const cached = new Map(this.cache?.observed?.table.sets.map((s) => [s.name, s.elements]));
    const sets = listed.table.sets.map((s) => ({ ...s, elements: [...(cached.get(s.name) ?? [])] }));
    return { ...listed, table: { ...listed.table, sets } };
  }
}
