import { open, stat } from 'node:fs/promises';

/** What the proxy did, counted from its access log since the operator started reading it. */
export interface AccessLogCounters {
  requests: number;
  /** Served from the cache (memory or disk, including revalidated hits). */
  cacheHits: number;
  /** Looked up in the cache and fetched from the origin. */
  cacheMisses: number;
  /** Refused by policy (403: client network, port or domain). */
  denied: number;
  /** Answered 407: credentials missing or wrong. */
  authRequired: number;
  /** CONNECT tunnels established. */
  tunnels: number;
  /** cacheHits / (cacheHits + cacheMisses); 0 before any cacheable request. */
  hitRatio: number;
}

export const ZERO_COUNTERS: AccessLogCounters = {
  requests: 0,
  cacheHits: 0,
  cacheMisses: 0,
  denied: 0,
  authRequired: 0,
  tunnels: 0,
  hitRatio: 0,
};

export type Outcome = 'hit' | 'miss' | 'denied' | 'auth' | 'tunnel' | 'other';

/** The counters that count lines (hitRatio is derived from them). */
export type OutcomeCounts = Omit<AccessLogCounters, 'hitRatio'>;

const COUNTER_OF: Partial<Record<Outcome, keyof OutcomeCounts>> = {
  hit: 'cacheHits',
  miss: 'cacheMisses',
  denied: 'denied',
  auth: 'authRequired',
  tunnel: 'tunnels',
};

/** Adds n requests with this outcome to the counts, in place. */
export function countOutcome(counts: OutcomeCounts, outcome: Outcome, n = 1): void {
  counts.requests += n;
  const field = COUNTER_OF[outcome];
  if (field) counts[field] += n;
}

/** Classifies one line of squid's native access log: `time elapsed client code/status bytes method url ...`. */
export function classifyLine(line: string): Outcome | undefined {
  const fields = line.trim().split(/\s+/);
  const [code, status] = (fields[3] ?? '').split('/');
  if (!code || !status || !/^[A-Z_]+$/.test(code) || !/^\d{3}$/.test(status)) return undefined;
  if (status === '407') return 'auth';
  // Squid's own refusals are TCP_DENIED; an origin's 403 on a miss is the origin's answer.
  if (code.startsWith('TCP_DENIED')) return 'denied';
  if (code === 'TCP_TUNNEL') return 'tunnel';
  if (code.includes('HIT') || code === 'TCP_REFRESH_UNMODIFIED') return 'hit';
  if (code.includes('MISS') || code === 'TCP_REFRESH_MODIFIED') return 'miss';
  return 'other';
}

export function countLines(counters: AccessLogCounters, text: string): AccessLogCounters {
  const next = { ...counters };
  for (const line of text.split('\n')) {
    const outcome = classifyLine(line);
    if (outcome) countOutcome(next, outcome);
  }
  const lookups = next.cacheHits + next.cacheMisses;
  next.hitRatio = lookups === 0 ? 0 : Math.round((next.cacheHits / lookups) * 1000) / 1000;
  return next;
}

const MAX_READ_BYTES = 8 * 1024 * 1024;

/**
 * Follows the access log: each read() counts the complete lines appended since the last one. A file that shrank or
 * was replaced (rotation) is read from its start.
 */
export class AccessLogReader {
  private offset = 0;
  private inode?: number;
  private partial = '';
  private totals: AccessLogCounters = ZERO_COUNTERS;

  constructor(private readonly path: string) {}

  /**
   * After a rotation: counts the rest of the file it was reading, now renamed to `rotatedPath` (squid wrote to it
   * until it reopened the log), then starts on the new file.
   */
  async finishRotated(rotatedPath: string): Promise<void> {
    for (;;) {
      const before = this.offset;
      const { bytes } = await this.read(rotatedPath);
      if (this.offset >= bytes || this.offset === before) break;
    }
    this.inode = undefined;
  }

  async read(path = this.path): Promise<{ counters: AccessLogCounters; bytes: number }> {
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      // A file created next gets a fresh start, even if it reuses the freed inode.
      this.inode = undefined;
      return { counters: this.totals, bytes: 0 };
    }
    if (info.ino !== this.inode || info.size < this.offset) {
      this.inode = info.ino;
      this.offset = 0;
      this.partial = '';
    }
    const length = Math.min(info.size - this.offset, MAX_READ_BYTES);
    if (length > 0) {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
        this.offset += bytesRead;
        const text = this.partial + buffer.subarray(0, bytesRead).toString('utf8');
        const end = text.lastIndexOf('\n');
        this.partial = text.slice(end + 1);
        this.totals = countLines(this.totals, text.slice(0, end + 1));
      } finally {
        await handle.close();
      }
    }
    return { counters: this.totals, bytes: info.size };
  }
}
