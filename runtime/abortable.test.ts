import { describe, expect, it } from '@jest/globals';
import { abortable } from './abortable.js';

describe('abortable', () => {
  it('passes the shared result on, and a cancelled waiter leaves the others theirs', async () => {
    let finish!: (v: number) => void;
    const shared = new Promise<number>((resolve) => (finish = resolve));
    const cancelled = new AbortController();
    const first = abortable(shared, cancelled.signal);
    const second = abortable(shared, new AbortController().signal);
    cancelled.abort(new Error('pass cancelled'));
    finish(7);
    await expect(first).rejects.toThrow('pass cancelled');
    await expect(second).resolves.toBe(7);
  });

  it('rejects at once for a signal already aborted, and passes a failure on', async () => {
    const done = new AbortController();
    done.abort();
    await expect(abortable(Promise.resolve(1), done.signal)).rejects.toThrow();
    await expect(abortable(Promise.reject(new Error('ip failed')), new AbortController().signal)).rejects.toThrow(
      'ip failed',
    );
  });
});
