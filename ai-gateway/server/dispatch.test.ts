import { describe, expect, it } from '@jest/globals';
import type { Provider, UpstreamFailure } from '../providers/provider.js';
import { backoff, ClientGone, dispatch, TotalTimeout, type ResolvedTarget } from './dispatch.js';

const price = { input: 1, output: 2, cachedInput: 0.5 };
const target = (provider: string): ResolvedTarget => ({
  provider,
  model: `${provider}-m`,
  price,
  instance: {} as Provider,
});
const fail = (status: number, retryable: boolean, retryAfterMs?: number): { ok: false; failure: UpstreamFailure } => ({
  ok: false,
  failure: {
    status,
    type: 't',
    code: `c${status}`,
    message: 'm',
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  },
});
const noSleep = (): Promise<void> => Promise.resolve();

describe('dispatch', () => {
  it('retries a retryable failure, then falls back to the next target', async () => {
    const calls: string[] = [];
    const result = await dispatch(
      [target('a'), target('b')],
      (t) => {
        calls.push(t.provider);
        return Promise.resolve(t.provider === 'a' ? fail(429, true) : { ok: true as const, value: 'answer' });
      },
      { retries: 1, backoffMs: 10, firstTokenTimeoutMs: 1000, signal: new AbortController().signal, sleep: noSleep },
    );
    expect(calls).toEqual(['a', 'a', 'b']);
    expect(result).toMatchObject({ ok: true, value: 'answer', target: { provider: 'b' } });
    expect(result.tried.map((r) => [r.provider, r.ok, r.code])).toEqual([
      ['a', false, 'c429'],
      ['a', false, 'c429'],
      ['b', true, undefined],
    ]);
  });

  it('never retries a failure the request caused', async () => {
    let calls = 0;
    const result = await dispatch(
      [target('a'), target('b')],
      () => {
        calls++;
        return Promise.resolve(fail(400, false));
      },
      { retries: 3, backoffMs: 10, firstTokenTimeoutMs: 1000, signal: new AbortController().signal, sleep: noSleep },
    );
    expect(calls).toBe(1);
    expect(result).toMatchObject({ ok: false, failure: { status: 400 } });
  });

  it('moves on at once when the upstream asks for a longer wait than is worth it', async () => {
    const waits: number[] = [];
    const calls: string[] = [];
    await dispatch(
      [target('a'), target('b')],
      (t) => {
        calls.push(t.provider);
        return Promise.resolve(t.provider === 'a' ? fail(429, true, 30_000) : { ok: true as const, value: 1 });
      },
      {
        retries: 2,
        backoffMs: 10,
        firstTokenTimeoutMs: 1000,
        signal: new AbortController().signal,
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(calls).toEqual(['a', 'b']);
    expect(waits).toEqual([]);
  });

  it('abandons an attempt with no first answer in time, and tries the next target', async () => {
    const result = await dispatch(
      [target('hang'), target('b')],
      (t, signal) =>
        t.provider === 'hang'
          ? new Promise((resolve) => signal.addEventListener('abort', () => resolve(fail(504, true))))
          : Promise.resolve({ ok: true as const, value: 'b' }),
      { retries: 0, backoffMs: 0, firstTokenTimeoutMs: 30, signal: new AbortController().signal },
    );
    expect(result).toMatchObject({ ok: true, value: 'b' });
  });

  it('keeps the winning attempt signal live after the first answer, tied to the client', async () => {
    const client = new AbortController();
    const result = await dispatch([target('a')], () => Promise.resolve({ ok: true as const, value: 1 }), {
      retries: 0,
      backoffMs: 0,
      firstTokenTimeoutMs: 20,
      signal: client.signal,
    });
    if (!result.ok) throw new Error('expected success');
    await new Promise((r) => setTimeout(r, 40));
    expect(result.signal.aborted).toBe(false);
    client.abort(new Error('gone'));
    expect(result.signal.aborted).toBe(true);
  });

  it('stops when the client has gone', async () => {
    const client = new AbortController();
    client.abort(new ClientGone());
    const result = await dispatch([target('a')], () => Promise.resolve({ ok: true as const, value: 1 }), {
      retries: 0,
      backoffMs: 0,
      firstTokenTimeoutMs: 20,
      signal: client.signal,
    });
    expect(result).toMatchObject({ ok: false, failure: { status: 499, code: 'client_closed' } });
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter and honours a short retry-after', () => {
    expect(backoff(100, 0, undefined, () => 0)).toBe(50);
    expect(backoff(100, 2, undefined, () => 1)).toBe(400);
    expect(backoff(100, 0, 1500)).toBe(1500);
    expect(backoff(100, 0, 5000)).toBeUndefined();
  });
});

describe('dispatch when the request ends during an attempt', () => {
  it('records nothing against the upstream and answers 504 for the total deadline', async () => {
    const request = new AbortController();
    const seen: unknown[] = [];
    const result = await dispatch(
      [target('a'), target('b')],
      (_t, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve(fail(504, true)));
          request.abort(new TotalTimeout('total timeout of 10 ms passed'));
        }),
      { retries: 2, backoffMs: 0, firstTokenTimeoutMs: 1000, signal: request.signal, onAttempt: (r) => seen.push(r) },
    );
    expect(result).toMatchObject({ ok: false, failure: { status: 504, code: 'total_timeout' }, tried: [] });
    expect(seen).toEqual([]);
  });
});
