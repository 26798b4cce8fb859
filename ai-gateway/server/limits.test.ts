import { describe, expect, it } from '@jest/globals';
import { KeyLimiter } from './limits.js';

const key = (limits: { rpm?: number; tpm?: number; concurrency?: number }) => ({
  id: 'team-a',
  sha256: 'x',
  models: ['*'],
  ...limits,
});

describe('KeyLimiter', () => {
  it('refuses past the requests per minute until the window slides', () => {
    let now = 1_000_000;
    const limiter = new KeyLimiter(() => now);
    const k = key({ rpm: 2 });
    expect(limiter.admit(k).ok).toBe(true);
    now += 10_000;
    expect(limiter.admit(k).ok).toBe(true);
    const refused = limiter.admit(k);
    expect(refused).toMatchObject({
      ok: false,
      error: { status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 50 },
    });
    now += 50_001;
    expect(limiter.admit(k).ok).toBe(true);
  });

  it('refuses a key over its tokens per minute, counted when calls end', () => {
    let now = 0;
    const limiter = new KeyLimiter(() => now);
    const k = key({ tpm: 100 });
    const a = limiter.admit(k);
    if (!a.ok) throw new Error('admitted');
    a.release(120);
    expect(limiter.admit(k)).toMatchObject({ ok: false, error: { status: 429 } });
    now += 60_001;
    expect(limiter.admit(k).ok).toBe(true);
  });

  it('frees the tokens of each call as its minute slides by, not all at once', () => {
    let now = 0;
    const limiter = new KeyLimiter(() => now);
    const k = key({ tpm: 100 });
    const release = (tokens: number): void => {
      const a = limiter.admit(k);
      if (!a.ok) throw new Error('admitted');
      a.release(tokens);
    };
    release(60);
    now = 30_000;
    release(50);
    expect(limiter.admit(k)).toMatchObject({ ok: false, error: { status: 429 } });
    now = 60_001;
    // The first call's 60 tokens have slid out; the 50 of the second are still counted.
    const a = limiter.admit(k);
    expect(a.ok).toBe(true);
    if (a.ok) a.release(50);
    expect(limiter.admit(k)).toMatchObject({ ok: false, error: { status: 429 } });
    now = 90_001;
    expect(limiter.admit(k).ok).toBe(true);
  });

  it('counts right across thousands of requests as the front of the window slides out', () => {
    let now = 0;
    const limiter = new KeyLimiter(() => now);
    const k = key({ rpm: 2000 });
    const admitted = (): number => {
      let n = 0;
      while (limiter.admit(k).ok) n++;
      return n;
    };
    for (let i = 0; i < 2000; i++, now++) expect(limiter.admit(k).ok).toBe(true);
    expect(limiter.admit(k).ok).toBe(false);
    // Requests 0..1023 (at 0..1023 ms) slide out, exactly when the window drops its consumed front; 976 remain.
    now = 61_023;
    expect(admitted()).toBe(1024);
    now = 61_023 + 60_000;
    expect(admitted()).toBe(2000);
  });

  it('holds concurrency until release, and release is idempotent', () => {
    const limiter = new KeyLimiter(() => 0);
    const k = key({ concurrency: 1 });
    const a = limiter.admit(k);
    if (!a.ok) throw new Error('admitted');
    expect(limiter.admit(k).ok).toBe(false);
    a.release(0);
    a.release(0);
    const b = limiter.admit(k);
    expect(b.ok).toBe(true);
    expect(limiter.admit(k).ok).toBe(false);
  });
});
