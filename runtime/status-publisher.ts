import type { InstanceStatus } from './status-types.js';

/** Writes one parameter (the SSM adapter implements it with PutParameter Overwrite). */
export type StatusWriter = (name: string, value: string) => Promise<void>;

export interface StatusPublisherOptions {
  path: string;
  write: StatusWriter;
  /** SSM PutParameter allows a few TPS per account, shared by the fleet: write at most this often. */
  minIntervalMs: number;
  now: () => number;
  onError: (err: Error) => void;
}

/**
 * Publishes the instance status to SSM only when something significant changed (conditions, generations,
 * details other than live counters), coalescing bursts into one write per interval.
 */
export class StatusPublisher {
  private latest?: InstanceStatus;
  private writtenKey?: string;
  private lastWriteAt = -Infinity;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(private readonly opts: StatusPublisherOptions) {}

  offer(status: InstanceStatus): void {
    this.latest = status;
    if (this.timer || significantKey(status) === this.writtenKey) return;
    const delay = Math.max(0, this.lastWriteAt + this.opts.minIntervalMs - this.opts.now());
    this.timer = setTimeout(() => void this.flush(), delay);
  }

  /** Writes the latest status now if it changed; used on shutdown too. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    const status = this.latest;
    if (!status) return;
    const key = significantKey(status);
    if (key === this.writtenKey) return;
    this.lastWriteAt = this.opts.now();
    this.inFlight = this.opts
      .write(this.opts.path, JSON.stringify(status))
      .then(() => void (this.writtenKey = key))
      .catch((err: unknown) => this.opts.onError(err as Error));
    await this.inFlight;
    // A status that changed while writing, or a failed write, is retried after the interval.
    if (this.latest && significantKey(this.latest) !== this.writtenKey) this.offer(this.latest);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const LIVE_COUNTER_KEYS: ReadonlySet<string> = new Set(['counters', 'packets', 'bytes']);

/** The status without what changes on every pass: timestamps, phase and live counters. */
export function significantKey(status: InstanceStatus): string {
  const controllers = Object.values(status.controllers).map((c) => ({
    kind: c.kind,
    name: c.name,
    observedGeneration: c.observedGeneration,
    conditions: c.conditions.map((x) => [x.type, x.status, x.reason, x.message, x.observedGeneration]),
    details: c.details,
  }));
  // Live counters sit under `counters`, or as `packets`/`bytes` of a listed rule group, at any depth.
  return JSON.stringify({ controllers, leases: status.leases }, (key, value: unknown) =>
    LIVE_COUNTER_KEYS.has(key) ? undefined : value,
  );
}
