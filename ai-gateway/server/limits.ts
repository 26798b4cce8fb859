import type { GatewayKeyConfig } from '../config.js';
import type { ClientError } from './respond.js';

const MINUTE_MS = 60_000;

interface Window {
  requests: number[];
  tokens: { at: number; n: number }[];
  inFlight: number;
}

/**
 * Per-key rpm, tpm and concurrency over a sliding minute. Kept across reloads (by key id), so a reload does not
 * reset anyone's budget. Tokens are counted when a call ends; a key over its tpm is refused until the minute slides.
 */
export class KeyLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Admits a request, or says why not and when to retry; `release` ends it. */
  admit(key: GatewayKeyConfig): { ok: true; release: (tokens: number) => void } | { ok: false; error: ClientError } {
    const w = this.window(key.id);
    const now = this.now();
    prune(w, now);
    if (key.concurrency !== undefined && w.inFlight >= key.concurrency)
      return refuse(`Key ${key.id} has ${w.inFlight} requests in flight; its limit is ${key.concurrency}.`, 1);
    if (key.rpm !== undefined && w.requests.length >= key.rpm)
      return refuse(
        `Rate limit reached for key ${key.id}: ${key.rpm} requests per minute.`,
        untilFree(w.requests[0]!, now),
      );
    const used = w.tokens.reduce((n, t) => n + t.n, 0);
    if (key.tpm !== undefined && used >= key.tpm)
      return refuse(
        `Rate limit reached for key ${key.id}: ${key.tpm} tokens per minute (used ${used}).`,
        untilFree(w.tokens[0]!.at, now),
      );
    w.requests.push(now);
    w.inFlight++;
    let released = false;
    return {
      ok: true,
      release: (tokens) => {
        if (released) return;
        released = true;
        w.inFlight--;
        if (tokens > 0) w.tokens.push({ at: this.now(), n: tokens });
      },
    };
  }

  private window(id: string): Window {
    let w = this.windows.get(id);
    if (!w) this.windows.set(id, (w = { requests: [], tokens: [], inFlight: 0 }));
    return w;
  }
}

function prune(w: Window, now: number): void {
  while (w.requests.length > 0 && w.requests[0]! <= now - MINUTE_MS) w.requests.shift();
  while (w.tokens.length > 0 && w.tokens[0]!.at <= now - MINUTE_MS) w.tokens.shift();
}

function untilFree(oldest: number, now: number): number {
  return Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000));
}

function refuse(message: string, retryAfterSeconds: number): { ok: false; error: ClientError } {
  return {
    ok: false,
    error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message, retryAfterSeconds },
  };
}
