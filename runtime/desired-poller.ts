import { Gauge, type Registry } from 'prom-client';
import type { PollingDesiredSource, SourceHealth } from './desired-source.js';

export interface PollerTiming {
  pollIntervalMs: number;
  /**
   * A source whose last successful list is older than this is stale (default: 3 polls + the request timeout). Also
   * the deadline of one list: a list still running by then is abandoned, and retried at the next poll.
   */
  staleAfterMs: number;
  /** After a failed list, the next one comes this soon if that is sooner than the interval (push: the fallback). */
  retryAfterFailureMs?: number;
}

/** Stale means: the data plane is left as it is, but /readyz and every controller's status say why. */
export interface Freshness {
  stale: boolean;
  message: string;
}

/**
 * Lists desired state at a fixed rate and watches the age of the last successful list. The age is checked on a
 * timer of its own: a list stalled inside a hung endpoint must not also stall the verdict that it is stale.
 */
export class DesiredPoller {
  private pollTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private signal?: AbortSignal;
  private polling = false;
  /** A list was asked for while one ran: that one may have read too early, so another follows at once. */
  private again = false;
  private lastPollAt?: number;
  /** Age is counted from here at the earliest: a switch to a shorter interval starts a fresh staleness window. */
  private freshFrom: number;
  private readonly startedAt: number;
  private lastSuccessAt?: number;
  private stale = false;
  private readonly lastSuccessGauge: Gauge;

  constructor(
    private readonly source: PollingDesiredSource,
    private timing: PollerTiming,
    private readonly now: () => number,
    registry: Registry,
    private readonly onFreshness: (f: Freshness) => void,
  ) {
    this.startedAt = now();
    this.freshFrom = this.startedAt;
    this.lastSuccessGauge = new Gauge({
      name: 'csgw_desired_source_last_success_timestamp_seconds',
      help: 'Unix time of the last successful list of the desired state (0: never)',
      registers: [registry],
    });
    this.lastSuccessGauge.set(0);
    source.health$.subscribe((h) => this.onHealth(h));
  }

  /** The first list is awaited, so a caller starts with the desired state read (or its failure reported). */
  async start(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    this.checkTimer = setInterval(() => this.check(), 1_000);
    this.checkTimer.unref();
    await this.poll(signal);
  }

  /**
   * Switches to another interval (push healthy: long; polling: short). The next list is due one new interval after
   * the last one started, or at once with `listNow` (push just came back: events sent while it was down are lost).
   */
  setTiming(timing: PollerTiming, listNow = false): void {
    this.check(); // the verdict under the bound that applied until now
    const shorter = timing.staleAfterMs < this.timing.staleAfterMs;
    this.timing = timing;
    // Already stale stays stale: only a list clears that.
    if (shorter && !this.stale) this.freshFrom = this.now();
    this.check();
    if (listNow) this.listSoon(0);
    else if (this.lastPollAt !== undefined) this.listSoon(this.lastPollAt + timing.pollIntervalMs - this.now());
  }

  /** A full list as soon as possible (an event the change feed could not narrow to one kind). */
  listNow(): void {
    this.listSoon(0);
  }

  stop(): void {
    clearTimeout(this.pollTimer);
    clearInterval(this.checkTimer);
  }

  /** The full-list interval in force. */
  intervalMs(): number {
    return this.timing.pollIntervalMs;
  }

  /** Why the source is not fit to reconcile from, for /readyz; empty when it is. */
  notReadyReasons(): string[] {
    this.check();
    if (this.lastSuccessAt === undefined) return [`desired state: ${this.source.currentHealth().message}`];
    return this.stale ? [`desired state stale: ${this.staleMessage()}`] : [];
  }

  /** Reschedules the next list; a list in flight schedules its successor itself when it ends. */
  private listSoon(delayMs: number): void {
    const signal = this.signal;
    if (!signal || signal.aborted) return;
    if (this.polling) return void (this.again ||= delayMs <= 0);
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(signal), Math.max(0, delayMs));
  }

  private async poll(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.polling = true;
    const started = this.now();
    this.lastPollAt = started;
    try {
      await this.source.resync(AbortSignal.any([signal, AbortSignal.timeout(this.timing.staleAfterMs)]));
    } finally {
      this.polling = false;
    }
    // Fixed rate: the list's own duration (many pages against real SSM) must not stretch the poll interval.
    const failed = !this.source.currentHealth().ok;
    const interval = failed
      ? Math.min(this.timing.pollIntervalMs, this.timing.retryAfterFailureMs ?? Infinity)
      : this.timing.pollIntervalMs;
    const wait = this.again ? 0 : Math.max(0, interval - (this.now() - started));
    this.again = false;
    if (!signal.aborted) this.pollTimer = setTimeout(() => void this.poll(signal), wait);
  }

  private onHealth(h: SourceHealth): void {
    if (h.ok && h.lastSuccessAt) {
      this.lastSuccessAt = Date.parse(h.lastSuccessAt);
      this.lastSuccessGauge.set(Math.floor(this.lastSuccessAt / 1000));
    }
    this.check();
  }

  private check(): void {
    const age = this.now() - Math.max(this.lastSuccessAt ?? this.startedAt, this.freshFrom);
    const stale = age > this.timing.staleAfterMs;
    if (stale === this.stale) return;
    this.stale = stale;
    this.onFreshness({ stale, message: stale ? this.staleMessage() : 'desired state listed again' });
  }

  private staleMessage(): string {
    const since =
      this.lastSuccessAt !== undefined ? `since ${new Date(this.lastSuccessAt).toISOString()}` : 'since start';
    const health = this.source.currentHealth();
    const why = health.ok ? ': the list has not answered' : `: ${health.message}`;
    return `no successful list of the desired state ${since} (over ${Math.round(this.timing.staleAfterMs / 1000)} s)${why}`;
  }
}
