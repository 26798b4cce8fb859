import { Subject, type Observable } from 'rxjs';
import type { ControllerEvent } from '../../runtime/controller.js';
import { AlertTotals, EventLimiter } from './alert-aggregator.js';
import { foldCounters } from './counters.js';
import type { EveLogReader, EveStats } from './eve-log.js';
import type { NfqueueStat } from './nfqueue-stats.js';

/**
 * Tails eve.json between reconcile passes: alerts become aggregated, rate-limited events at once, and the totals and
 * the latest stats record feed the status counters. One read at a time; a failed read is counted and retried.
 */
export class EveMonitor {
  private readonly subject = new Subject<ControllerEvent>();
  readonly events$: Observable<ControllerEvent> = this.subject.asObservable();
  private readonly totals = new AlertTotals();
  private readonly limiter: EventLimiter;
  private stats?: EveStats;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private readErrors = 0;

  constructor(
    private readonly reader: EveLogReader,
    clock: () => number,
    private readonly intervalMs = 2_000,
  ) {
    this.limiter = new EventLimiter(clock);
  }

  /** Starts the periodic tail (idempotent). */
  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.subject.complete();
  }

  /** Reads what was appended since the last read (joins a read in flight). */
  poll(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => (this.reading = undefined));
    return this.reading;
  }

  counters(
    queues: readonly NfqueueStat[],
    kernel: { packets: number; bypassedPackets?: number },
  ): Record<string, number> {
    return {
      ...foldCounters({
        totals: this.totals.snapshot(),
        ...(this.stats ? { stats: this.stats } : {}),
        queues,
        limiter: this.limiter.counts(),
        queued: { packets: kernel.packets },
      }),
      ...(kernel.bypassedPackets !== undefined ? { kernelBypassedPackets: kernel.bypassedPackets } : {}),
      eveReadErrors: this.readErrors,
    };
  }

  /** Rules loaded and failed as the latest stats record reports them. */
  get latestStats(): EveStats | undefined {
    return this.stats;
  }

  private async readOnce(): Promise<void> {
    try {
      const batch = await this.reader.read();
      this.totals.add(batch);
      if (batch.stats) this.stats = batch.stats;
      for (const e of this.limiter.limit(batch.alerts))
        this.subject.next({ type: e.type, reason: e.reason, message: e.message });
    } catch {
      this.readErrors += 1;
    }
  }
}
