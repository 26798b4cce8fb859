import { Subject, auditTime, type Observable } from 'rxjs';
import type { TableWatch } from '../ports.js';
import { parseMonitorLine, tableKey } from './monitor-lines.js';

/** Own commits remembered: the monitor reads a generation shortly after its nft exits, never hundreds later. */
const OWN_PIDS = 256;

interface Watched {
  epoch: number;
  refs: number;
  readonly changed: Subject<void>;
  readonly changes$: Observable<void>;
}

/**
 * What `nft monitor`'s lines mean for the watched tables, with no I/O (the process is adapters/nft-monitor.ts). A
 * generation marks the tables its events touched as changed unless one of this process's own nft commits made it
 * (one whose events name no table marks them all).
 * Memory stays bounded: the tables touched by the transaction being read (watched ones only) and the last own pids.
 */
export class MonitorTracker {
  private readonly watched = new Map<string, Watched>();
  private readonly own = new Set<number>();
  private readonly pending = new Set<string>();
  /** Whether the generation being read printed any event naming a table. */
  private named = false;
  private isLive = false;

  constructor(private readonly debounceMs = 50) {}

  /** An nft commit of this process was spawned with this pid. */
  ownCommit(pid: number): void {
    this.own.delete(pid);
    this.own.add(pid);
    if (this.own.size > OWN_PIDS) this.own.delete(this.own.values().next().value!);
  }

  line(text: string): void {
    const parsed = parseMonitorLine(text);
    if (!parsed) return;
    if (parsed.kind === 'change') {
      this.named = true;
      if (this.watched.has(parsed.table)) this.pending.add(parsed.table);
      return;
    }
    const foreign = parsed.pid === undefined || !this.own.has(parsed.pid);
    // One commit is one generation: forget its pid, so a later process given the same pid is not taken for ours.
    if (!foreign) this.own.delete(parsed.pid!);
    // nft 1.0.6 prints no event for an element deleted from an interval set: a foreign generation that names no
    // table at all may have changed any.
    if (foreign && !this.named) this.lost();
    else if (foreign) for (const key of this.pending) this.bump(this.watched.get(key));
    this.pending.clear();
    this.named = false;
  }

  /** Events may have been lost (overflow, error, exit): any table may have changed. */
  lost(): void {
    this.pending.clear();
    this.named = false;
    for (const w of this.watched.values()) this.bump(w);
  }

  /** The monitor started (or stopped) seeing every event; either way what was trusted must be read again. */
  setLive(live: boolean): void {
    this.isLive = live;
    this.lost();
  }

  get watching(): number {
    return this.watched.size;
  }

  watch(family: string, name: string, onClose: () => void): TableWatch {
    const key = tableKey(family, name);
    let w = this.watched.get(key);
    if (!w) {
      const changed = new Subject<void>();
      w = { epoch: 0, refs: 0, changed, changes$: changed.pipe(auditTime(this.debounceMs)) };
      this.watched.set(key, w);
    }
    w.refs += 1;
    const entry = w;
    let closed = false;
    return {
      live: () => this.isLive,
      epoch: () => entry.epoch,
      changes$: entry.changes$,
      close: () => {
        if (closed) return;
        closed = true;
        entry.refs -= 1;
        if (entry.refs === 0) {
          this.watched.delete(key);
          entry.changed.complete();
        }
        onClose();
      },
    };
  }

  private bump(w: Watched | undefined): void {
    if (!w) return;
    w.epoch += 1;
    w.changed.next();
  }
}
