import { once } from '../once.js';

/** A slot on the local server: held from dispatch until the answer (or stream) ends. */
export type Release = () => void;

/** Either way, how long the request queued: a refusal after waiting counts its wait too (the audit line says it). */
export type Acquired =
  { ok: true; release: Release; queuedMs: number } | { ok: false; why: QueueRefusal; queuedMs: number };

/** Why a queued request did not get a slot: the FIFO was full, its wait ran out, or its client left. */
export type QueueRefusal = 'queue_full' | 'queue_timeout' | 'client_gone';

export interface CapacityLimits {
  maxConcurrency: number;
  /** vLLM's own waiting requests above this count as full; absent: not a signal. */
  maxServerWaiting?: number;
}

interface Waiter {
  grant: (release: Release) => void;
  since: number;
}

/**
 * One local model's capacity as the gateway sees it: the requests it has in flight there (at most maxConcurrency),
 * the server's own waiting count (from vLLM's /metrics), and a FIFO of requests waiting for a slot. It outlives
 * config revisions, so a reload changes the limits without forgetting who is in flight or queued.
 */
export class LocalCapacity {
  private inFlight = 0;
  private serverWaiting = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private limits: CapacityLimits,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  setLimits(limits: CapacityLimits): void {
    this.limits = limits;
    this.drain();
  }

  /** The server's `vllm:num_requests_waiting`, as last read (0 when unknown: an unread gauge never blocks). */
  setServerWaiting(waiting: number): void {
    this.serverWaiting = waiting;
    this.drain();
  }

  get running(): number {
    return this.inFlight;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Whether a request sent now would find the server full. */
  full(): boolean {
    const { maxConcurrency, maxServerWaiting } = this.limits;
    return this.inFlight >= maxConcurrency || (maxServerWaiting !== undefined && this.serverWaiting > maxServerWaiting);
  }

  /** A slot now, or none: requests already queued go first, so a newcomer never overtakes them. */
  tryAcquire(): Release | undefined {
    if (this.waiters.length > 0 || this.full()) return undefined;
    return this.take();
  }

  /**
   * A slot, waiting in FIFO order for at most maxWaitMs behind at most maxSize others. A waiter whose signal aborts
   * (its client left, its deadline passed) leaves the queue at once.
   */
  acquire(queue: { maxSize: number; maxWaitMs: number }, signal: AbortSignal): Promise<Acquired> {
    const started = this.now();
    const now = this.tryAcquire();
    if (now) return Promise.resolve({ ok: true, release: now, queuedMs: 0 });
    if (this.waiters.length >= queue.maxSize) return Promise.resolve({ ok: false, why: 'queue_full', queuedMs: 0 });
    if (signal.aborted) return Promise.resolve({ ok: false, why: 'client_gone', queuedMs: 0 });
    return new Promise<Acquired>((resolve) => {
      const leave = (why: QueueRefusal): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        cleanup();
        resolve({ ok: false, why, queuedMs: Math.round(this.now() - started) });
      };
      const onAbort = (): void => leave('client_gone');
      const timer = setTimeout(() => leave('queue_timeout'), queue.maxWaitMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        since: started,
        grant: (release) => {
          cleanup();
          resolve({ ok: true, release, queuedMs: Math.round(this.now() - started) });
        },
      };
      this.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How long the oldest waiter has waited, in ms (0 with none): status shows a queue that does not move. */
  oldestWaitMs(): number {
    const oldest = this.waiters[0];
    return oldest ? Math.round(this.now() - oldest.since) : 0;
  }

  private take(): Release {
    this.inFlight++;
    return once(() => {
      this.inFlight--;
      this.drain();
    });
  }

  /** Hands free slots to waiters, oldest first. */
  private drain(): void {
    while (this.waiters.length > 0 && !this.full()) this.waiters.shift()!.grant(this.take());
  }
}
