import type { AttemptRecord } from './dispatch.js';

/** Requests per second over the last ten seconds, for status. */
export class RequestRate {
  private readonly buckets = new Array<number>(10).fill(0);
  private second = 0;
  total = 0;

  constructor(private readonly now: () => number = Date.now) {}

  mark(): void {
    this.roll();
    this.buckets[this.second % 10]!++;
    this.total++;
  }

  perSecond(): number {
    this.roll();
    return this.buckets.reduce((a, b) => a + b, 0) / 10;
  }

  private roll(): void {
    const s = Math.floor(this.now() / 1000);
    if (this.second === 0) this.second = s;
    for (; this.second < s;) this.buckets[++this.second % 10] = 0;
  }
}

export interface ProviderHealthEntry {
  healthy: boolean;
  lastError?: { message: string; code: string; at: string };
  lastSuccessAt?: string;
}

const CLIENT_CAUSED = new Set([400, 404, 409, 413, 422]);

/** Each provider's last call: healthy when it answered, else its last error (code and safe message only). */
export class ProviderHealth {
  private readonly entries = new Map<string, ProviderHealthEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  note(record: AttemptRecord, message?: string): void {
    // A request the upstream refused as malformed says nothing about the upstream's health.
    if (!record.ok && record.status !== undefined && CLIENT_CAUSED.has(record.status)) return;
    const at = new Date(this.now()).toISOString();
    const prev = this.entries.get(record.provider) ?? { healthy: true };
    this.entries.set(
      record.provider,
      record.ok
        ? { ...prev, healthy: true, lastSuccessAt: at }
        : {
            ...prev,
            healthy: false,
            lastError: {
              message: message ?? `HTTP ${record.status ?? 502} after ${Math.round(record.ms)} ms`,
              code: record.code ?? 'error',
              at,
            },
          },
    );
  }

  get(provider: string): ProviderHealthEntry {
    return this.entries.get(provider) ?? { healthy: true };
  }
}
