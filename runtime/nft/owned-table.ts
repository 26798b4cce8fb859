import { Subject, type Observable, type Subscription } from 'rxjs';
import type { NftFamily, NftOp, ObservedTable } from '../../renderers/nft/model.js';
import type { NftPort, TableWatch } from '../ports.js';
import { afterCommit, copyObserved, type CachedTable } from './table-cache.js';
import {
  countersIfUnchanged,
  DEFAULT_VERIFY_TIMING,
  verifyIntervalMs,
  type VerifyTiming,
} from './background-verify.js';

/** A listing beside the passes that takes longer than this is abandoned (a later one starts another). */
const BACKGROUND_TIMEOUT_MS = 30_000;

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
  /** Commits started, and those not finished: a listing overlapping one may show either side of it. */
  private commitsStarted = 0;
  private commitsRunning = 0;
  private listedEpoch = -1;
  private watch?: TableWatch;
  private watchSubscription?: Subscription;
  private verifyTimer?: NodeJS.Timeout;
  private checking = false;
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
    const countersOld = now - this.countersAt >= (this.opts.countersMaxAgeMs ?? 5_000);
    if (live && countersOld && !this.checking && this.commitsRunning === 0) void this.check(now, false);
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
    if (this.watch?.live() || this.checking || this.commitsRunning > 0 || !this.cache) return;
    const now = this.now();
    if (now - this.lastFullAt < verifyIntervalMs(this.lastListingMs, this.opts.verify ?? DEFAULT_VERIFY_TIMING)) return;
    void this.check(now, true);
  }

  /** Runs one verification at once (tests; the timer does it in operation). */
  verifyNow(): Promise<void> {
    return this.check(this.now(), true);
  }

  /**
   * A listing beside the passes, never awaited by one: in full to verify the memory (no live monitor), terse to
   * refresh its counters (the monitor covers the rest; nft 1.0.6 still fetches every element). Either way it takes
   * the counters when the table is what the memory says, and otherwise forgets the memory and asks for a pass.
   */
  private async check(now: number, withElements: boolean): Promise<void> {
    this.checking = true;
    const cache = this.cache;
    const commits = this.commitsStarted;
    const epoch = this.watch?.epoch();
    try {
      const signal = AbortSignal.timeout(BACKGROUND_TIMEOUT_MS);
      const listed = await this.nft.listTable(this.family, this.name, signal, withElements ? {} : { elements: false });
      if (withElements) this.lastListingMs = this.now() - now;
      // A commit or a foreign change meanwhile: the listing may show either side of it; a later one looks again.
      const overlapped = this.commitsStarted !== commits || this.watch?.epoch() !== epoch;
      if (overlapped || this.cache !== cache || !cache) return;
      this.countersAt = now;
      if (withElements) this.lastFullAt = now;
      const counters = countersIfUnchanged(cache, listed, withElements);
      if (counters) {
        if (cache.observed) cache.observed.counters = counters;
        return;
      }
      this.cache = undefined;
      this.changed.next();
    } catch {
      // A failed listing proves nothing; the next tick (or pass) tries again.
    } finally {
      this.checking = false;
    }
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
