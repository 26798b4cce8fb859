import type { GatewayKeyConfig } from '../config.js';
import type { ClientError } from './respond.js';
import { once } from '../once.js';

const MINUTE_MS = 60_000;

/**
 * Arrival-ordered entries whose oldest leave from the front in O(1): `Array#shift` copies the whole array once it is
 * large (V8), and a busy key's minute holds rate x 60 entries.
 */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  first(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    const item = this.items[this.head++];
    // Drop the consumed front once it is most of the array: amortised O(1) per entry.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface Window {
  requests: Fifo<number>;
  tokens: Fifo<{ at: number; n: number }>;
  /** The sum of `tokens`, kept as they come and go: summing the window per request costs O(rate x minute). */
  tokenSum: number;
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
        untilFree(w.requests.first()!, now),
      );
    const used = w.tokenSum;
    if (key.tpm !== undefined && used >= key.tpm)
      return refuse(
        `Rate limit reached for key ${key.id}: ${key.tpm} tokens per minute (used ${used}).`,
        untilFree(w.tokens.first()!.at, now),
      );
    w.requests.push(now);
    w.inFlight++;
    return {
      ok: true,
      release: once((tokens: number) => {
        w.inFlight--;
        if (tokens <= 0) return;
        w.tokens.push({ at: this.now(), n: tokens });
        w.tokenSum += tokens;
      }),
    };
  }

  private window(id: string): Window {
    let w = this.windows.get(id);
    if (!w) this.windows.set(id, (w = { requests: new Fifo(), tokens: new Fifo(), tokenSum: 0, inFlight: 0 }));
    return w;
  }
}

function prune(w: Window, now: number): void {
  while (w.requests.length > 0 && w.requests.first()! <= now - MINUTE_MS) w.requests.shift();
  while (w.tokens.length > 0 && w.tokens.first()!.at <= now - MINUTE_MS) w.tokenSum -= w.tokens.shift()!.n;
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
