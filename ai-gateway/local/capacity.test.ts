import { describe, expect, it } from '@jest/globals';
import { LocalCapacity, type Acquired, type Release } from './capacity.js';

const live = (): AbortSignal => new AbortController().signal;
const queue = (maxSize = 10, maxWaitMs = 5_000): { maxSize: number; maxWaitMs: number } => ({ maxSize, maxWaitMs });

/** The slot of an answer that must have got one. */
function slot(got: Acquired): Release {
  if (!got.ok) throw new Error(`no slot: ${got.why}`);
  return got.release;
}

describe('LocalCapacity', () => {
  it('hands slots up to maxConcurrency, then none', () => {
    const capacity = new LocalCapacity({ maxConcurrency: 2 });
    expect(capacity.tryAcquire()).toBeDefined();
    expect(capacity.tryAcquire()).toBeDefined();
    expect(capacity.full()).toBe(true);
    expect(capacity.tryAcquire()).toBeUndefined();
    expect(capacity.running).toBe(2);
  });

  it('serves waiters in FIFO order, and a newcomer never overtakes them', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    const first = capacity.tryAcquire()!;
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      capacity.acquire(queue(), live()).then((got) => {
        order.push(n);
        return slot(got);
      }),
    );
    expect(capacity.queued).toBe(3);
    first();
    // The freed slot went to the oldest waiter, not to whoever asks next.
    expect(capacity.tryAcquire()).toBeUndefined();
    (await waiting[0]!)();
    (await waiting[1]!)();
    (await waiting[2]!)();
    expect(order).toEqual([1, 2, 3]);
    expect(capacity.running).toBe(0);
    expect(capacity.queued).toBe(0);
  });

  it('refuses a waiter beyond maxSize at once with queue_full', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    const held = capacity.tryAcquire()!;
    const waiting = capacity.acquire(queue(1), live());
    await expect(capacity.acquire(queue(1), live())).resolves.toEqual({ ok: false, why: 'queue_full', queuedMs: 0 });
    expect(capacity.queued).toBe(1);
    held();
    slot(await waiting)();
  });

  it('refuses every waiter with queue_full when maxSize is 0', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    capacity.tryAcquire();
    await expect(capacity.acquire(queue(0), live())).resolves.toEqual({ ok: false, why: 'queue_full', queuedMs: 0 });
  });

  it('gives up on a waiter after maxWaitMs with queue_timeout, saying how long it queued, and it leaves the queue', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    const held = capacity.tryAcquire()!;
    const started = Date.now();
    const refused = await capacity.acquire(queue(10, 30), live());
    expect(refused).toMatchObject({ ok: false, why: 'queue_timeout' });
    expect(refused.queuedMs).toBeGreaterThanOrEqual(25);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(capacity.queued).toBe(0);
    held();
    expect(capacity.running).toBe(0);
  });

  it('lets an aborted waiter leave at once, with its time queued, and the next waiter still gets the slot', async () => {
    let clock = 1_000;
    const capacity = new LocalCapacity({ maxConcurrency: 1 }, () => clock);
    const held = capacity.tryAcquire()!;
    const leaving = new AbortController();
    const gone = capacity.acquire(queue(), leaving.signal);
    const next = capacity.acquire(queue(), live());
    clock += 120;
    leaving.abort();
    await expect(gone).resolves.toEqual({ ok: false, why: 'client_gone', queuedMs: 120 });
    expect(capacity.queued).toBe(1);
    held();
    const release = slot(await next);
    expect(capacity.running).toBe(1);
    release();
  });

  it('refuses a waiter whose signal already aborted, without queueing it', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    capacity.tryAcquire();
    await expect(capacity.acquire(queue(), AbortSignal.abort())).resolves.toEqual({
      ok: false,
      why: 'client_gone',
      queuedMs: 0,
    });
    expect(capacity.queued).toBe(0);
  });

  it('grants at once, queuedMs 0, when a slot is free', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    const got = await capacity.acquire(queue(), live());
    expect(got).toMatchObject({ ok: true, queuedMs: 0 });
  });

  it('reports how long a waiter queued, and how long the oldest has waited', async () => {
    let clock = 1_000;
    const capacity = new LocalCapacity({ maxConcurrency: 1 }, () => clock);
    const held = capacity.tryAcquire()!;
    const waiting = capacity.acquire(queue(), live());
    clock += 250;
    expect(capacity.oldestWaitMs()).toBe(250);
    clock += 50;
    held();
    expect(await waiting).toMatchObject({ ok: true, queuedMs: 300 });
    expect(capacity.oldestWaitMs()).toBe(0);
  });

  it('serves waiters when a reload raises the limit, and holds them when it lowers it', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    const held = capacity.tryAcquire()!;
    const a = capacity.acquire(queue(), live());
    const b = capacity.acquire(queue(), live());
    capacity.setLimits({ maxConcurrency: 3 });
    const [ra, rb] = [slot(await a), slot(await b)];
    expect(capacity.running).toBe(3);
    capacity.setLimits({ maxConcurrency: 1 });
    const c = capacity.acquire(queue(), live());
    ra();
    rb();
    // Two left, one still in flight: the lowered limit keeps the waiter out until that one ends too.
    expect(capacity.queued).toBe(1);
    held();
    slot(await c)();
    expect(capacity.running).toBe(0);
  });

  it("counts the server's waiting requests above the threshold as full, and drains when they fall", async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 5, maxServerWaiting: 2 });
    capacity.setServerWaiting(2);
    expect(capacity.full()).toBe(false);
    capacity.setServerWaiting(3);
    expect(capacity.full()).toBe(true);
    expect(capacity.tryAcquire()).toBeUndefined();
    const waiting = capacity.acquire(queue(), live());
    expect(capacity.queued).toBe(1);
    capacity.setServerWaiting(0);
    slot(await waiting)();
    expect(capacity.queued).toBe(0);
  });

  it("ignores the server's waiting count without a threshold", () => {
    const capacity = new LocalCapacity({ maxConcurrency: 1 });
    capacity.setServerWaiting(1_000);
    expect(capacity.full()).toBe(false);
  });

  it('frees a slot once however often it is released', async () => {
    const capacity = new LocalCapacity({ maxConcurrency: 2 });
    const a = capacity.tryAcquire()!;
    const b = capacity.tryAcquire()!;
    const waiting = capacity.acquire(queue(), live());
    a();
    a();
    a();
    expect(capacity.running).toBe(2);
    const c = slot(await waiting);
    b();
    c();
    c();
    expect(capacity.running).toBe(0);
  });
});
