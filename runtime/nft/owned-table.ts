import { Subject, type Observable, type Subscription } from 'rxjs';
import type { NftFamily, NftOp, ObservedTable } from '../../renderers/nft/model.js';
import type { NftPort, TableWatch } from '../ports.js';
import { afterCommit, copyObserved, countersIfSameStructure, type CachedTable } from './table-cache.js';
import {
  DEFAULT_VERIFY_TIMING,
  sameTable,
  verifyIntervalMs,
  VERIFY_TIMEOUT_MS,
  type VerifyTiming,
} from './background-verify.js';

/** A background counter listing that takes longer than this is abandoned (the next read starts another). */
const COUNTERS_TIMEOUT_MS = 30_000;

export interface OwnedTableOptions {
  /** A full listing at least this often: the backstop for anything the monitor missed. */
  fullResyncMs?: number;
  /** Counters read from memory older than this are refreshed by a terse listing beside the pass, not in it. */
  countersMaxAgeMs?: number;
  /** Without a live monitor: how often the memory is checked against a full listing, beside the passes. */
  verify?: VerifyTiming;
  now?: () => number;
}

/** How foreign edits of the table are noticed, for status: `nft monitor` events, or listing it every pass. */
export type TamperDetection = 'nft monitor' | 'listing';

/**
 * A controller's own nft table, kept in memory as last committed (as kube-proxy does): listing tens of thousands of
 * elements costs more than the change being made, so a read returns the memory and spawns nothing. It lists in full
 * on the first pass, when asked (`full`), when the last full listing is fullResyncMs old, and when the watch says
 * someone else changed the table. While `nft monitor` watches it (NftPort.watch), another process's commit is known
 * within milliseconds (changes$ then asks the reconcile loop to observe at once); without a live monitor a full
 * listing beside the passes checks the memory every few seconds (background-verify.ts). A failed commit forgets
 * everything. Counters (status) are refreshed off the change path: with the monitor by a terse listing when a read
 * finds them older than countersMaxAgeMs, which also checks the structure; without it by the verification.
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
  private watchSubscription?: Subscription;
  private verifyTimer?: NodeJS.Timeout;
  private verifying = false;
  private lastListingMs = 0;
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
    const now = this.now();
    const live = watch?.live() ?? false;
    this.startVerifying();
    if (!this.cache || this.mustList(now, full)) {
      // The epoch before the listing: a change while it runs makes the next read list again.
      const epoch = watch?.epoch() ?? -1;
      const listed = await this.nft.listTable(this.family, this.name, signal);
      this.lastListingMs = this.now() - now;
      this.cache = { observed: listed && copyObserved(listed) };
      this.lastFullAt = this.countersAt = now;
      this.listedEpoch = epoch;
      return listed;
    }
    if (live && now - this.countersAt >= (this.opts.countersMaxAgeMs ?? 5_000)) this.refreshCounters(now);
    const { observed } = this.cache;
    return observed && copyObserved(observed);
  }

  /** Asked to, the full resync is due, or the monitor saw a foreign change since the last listing. */
  private mustList(now: number, full: boolean): boolean {
    const resyncDue = now - this.lastFullAt >= (this.opts.fullResyncMs ?? 60_000);
    // The epoch also moves when the monitor stops or starts: events may have been lost, so list once then.
    return full || resyncDue || (this.watch !== undefined && this.watch.epoch() !== this.listedEpoch);
  }

  private now(): number {
    return (this.opts.now ?? performance.now.bind(performance))();
  }

  /**
   * Without a live monitor (none, or nft 1.0.6 misprinting concatenated interval sets), reads still come from
   * memory, and a full listing beside the passes checks it: a difference forgets the memory and asks for a pass, so
   * drift is repaired within one verify interval instead of at the next resync.
   */
  private startVerifying(): void {
    // Without a watch at all (a bare adapter: tests, `csgw diff`) there is no monitor to stand in for.
    if (this.verifyTimer || !this.watch) return;
    this.verifyTimer = setInterval(() => this.verifyTick(), 500);
    this.verifyTimer.unref();
  }

  private verifyTick(): void {
    if (this.watch?.live() || this.verifying || this.commitsRunning > 0 || !this.cache) return;
    const now = this.now();
    if (now - this.lastFullAt < verifyIntervalMs(this.lastListingMs, this.opts.verify ?? DEFAULT_VERIFY_TIMING)) return;
    void this.verify(now);
  }

  private async verify(now: number): Promise<void> {
    this.verifying = true;
    const cache = this.cache;
    const commits = this.commitsStarted;
    try {
      const listed = await this.nft.listTable(this.family, this.name, AbortSignal.timeout(VERIFY_TIMEOUT_MS));
      this.lastListingMs = this.now() - now;
      // A commit meanwhile: the listing may show either side of it; the next tick looks again.
      if (this.commitsStarted !== commits || this.cache !== cache || !cache) return;
      this.lastFullAt = this.countersAt = now;
      if (sameTable(cache.observed, listed)) {
        if (cache.observed && listed) cache.observed.counters = listed.counters;
        return;
      }
      this.cache = undefined;
      this.changed.next();
    } catch {
      // A failed listing proves nothing; the next tick (or pass) tries again.
    } finally {
      this.verifying = false;
    }
  }

  /** Runs one verification at once (tests; the timer does it in operation). */
  verifyNow(): Promise<void> {
    return this.verify(this.now());
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
    clearInterval(this.verifyTimer);
    this.watchSubscription?.unsubscribe();
    this.watch?.close();
    this.changed.complete();
  }

  /** Watching starts with the first read, so that building a controller spawns nothing. */
  private watched(): TableWatch | undefined {
    if (!this.watch && this.nft.watch) {
      this.watch = this.nft.watch(this.family, this.name);
      this.watchSubscription = this.watch.changes$.subscribe(() => this.changed.next());
    }
    return this.watch;
  }
}
