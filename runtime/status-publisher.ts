import { fitStatus, SSM_VALUE_LIMIT_BYTES, utf8Bytes } from './status-fit.js';
import type { InstanceStatus } from './status-types.js';

/**
 * Writes one parameter (the SSM adapter implements it with PutParameter Overwrite). maxBytes is the largest value the
 * parameter's tier accepts, in UTF-8 bytes; without it the Standard tier's 4 KB is assumed.
 */
export type StatusWriter = ((name: string, value: string) => Promise<void>) & { readonly maxBytes?: number };

/** The outcome of one status write, for metrics. */
export interface StatusWriteResult {
  ok: boolean;
  /** When the write finished (ms since the epoch, from the publisher's clock). */
  at: number;
  bytes: number;
  truncated: boolean;
}

/** Whether the stored status is current: a failing write leaves readers of the parameter looking at an old one. */
export interface StatusPublishHealth {
  ok: boolean;
  message: string;
  /** ISO 8601 time of the last successful write, if any. */
  lastSuccessAt?: string;
}

export interface StatusPublisherOptions {
  path: string;
  write: StatusWriter;
  /** SSM PutParameter allows a few TPS per account, shared by the fleet: write at most this often. */
  minIntervalMs: number;
  now: () => number;
  onError: (err: Error) => void;
  /** Called after every write attempt (OperatorMetrics.recordStatusWrite). */
  onWrite?: (result: StatusWriteResult) => void;
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
  private failures = 0;
  private lastError?: Error;
  private lastSuccessAt?: number;

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
    this.inFlight = this.write(status, key);
    await this.inFlight;
    // A status that changed while writing, or a failed write, is retried after the interval.
    if (this.latest && significantKey(this.latest) !== this.writtenKey) this.offer(this.latest);
  }

  /** For /readyz: not ok from a failed write until the next successful one. */
  health(): StatusPublishHealth {
    const lastSuccessAt = this.lastSuccessAt === undefined ? {} : { lastSuccessAt: iso(this.lastSuccessAt) };
    if (this.failures === 0) {
      const message = this.lastSuccessAt === undefined ? 'no status written yet' : 'status written';
      return { ok: true, message, ...lastSuccessAt };
    }
    const since = this.lastSuccessAt === undefined ? 'never written' : `last written ${iso(this.lastSuccessAt)}`;
    const cause = this.lastError ? `${this.lastError.name}: ${this.lastError.message}` : 'unknown error';
    const message = `status write to ${this.opts.path} failed ${this.failures} time(s), ${since}: ${cause}`;
    return { ok: false, message, ...lastSuccessAt };
  }

  private async write(status: InstanceStatus, key: string): Promise<void> {
    const value = fitStatus(status, this.opts.write.maxBytes ?? SSM_VALUE_LIMIT_BYTES.Standard);
    const result = { bytes: utf8Bytes(value), truncated: value !== JSON.stringify(status) };
    try {
      await this.opts.write(this.opts.path, value);
      this.writtenKey = key;
      this.failures = 0;
      this.lastError = undefined;
      this.lastSuccessAt = this.opts.now();
      this.opts.onWrite?.({ ok: true, at: this.lastSuccessAt, ...result });
    } catch (err) {
      this.failures += 1;
      this.lastError = err as Error;
      this.opts.onWrite?.({ ok: false, at: this.opts.now(), ...result });
      this.opts.onError(err as Error);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

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
