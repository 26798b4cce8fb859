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
