import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { guardInto } from '../testing/fake-store-memory.js';
import { deferred } from '../testing/deferred.js';
import { until } from '../testing/fake-change-queue.js';
import { kinds } from '../crds-equivalent/index.js';
import { DesiredPoller, type Freshness } from './desired-poller.js';
import { PollingDesiredSource, type StoredParameter } from './desired-source.js';
import { gatewayPaths } from './paths.js';

const paths = gatewayPaths('/cloudspectra', 'gw');

describe('DesiredPoller', () => {
  it('turns stale when lists stop succeeding for longer than the threshold, and fresh again when one succeeds', async () => {
    let now = 0;
    let hang = false;
    const store: StoredParameter[] = [];
    const list = (_: string, signal: AbortSignal): Promise<StoredParameter[]> =>
      hang
        ? new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
        : Promise.resolve([...store]);
    const source = new PollingDesiredSource(paths, kinds, list, () => new Date(now), guardInto(store, paths));
    const seen: Freshness[] = [];
    const registry = new Registry();
    const poller = new DesiredPoller(
      source,
      { pollIntervalMs: 1000, staleAfterMs: 5000 },
      () => now,
      registry,
      (f) => seen.push(f),
    );
    const abort = new AbortController();
    await poller.start(abort.signal);
    expect(poller.notReadyReasons()).toEqual([]);
    const gauge = async (): Promise<number | undefined> =>
      (await registry.getSingleMetric('csgw_desired_source_last_success_timestamp_seconds')?.get())?.values[0]?.value;
    now = 3000;
    hang = true;
    await source.resync(AbortSignal.timeout(10)).catch(() => undefined);
    now = 5000;
    expect(poller.notReadyReasons()).toEqual([]);
    expect(seen).toEqual([]);
    now = 5001;
    expect(poller.notReadyReasons()[0]).toMatch(/desired state stale: no successful list .* since 1970-01-01T00:00:00/);
    expect(seen.at(-1)?.stale).toBe(true);
    expect(await gauge()).toBe(0);
    hang = false;
    now = 9000;
    await source.resync(new AbortController().signal);
    expect(seen.at(-1)).toEqual({ stale: false, message: 'desired state listed again' });
    expect(poller.notReadyReasons()).toEqual([]);
    expect(await gauge()).toBe(9);
    poller.stop();
    abort.abort();
    source.complete();
  });

  it('staleness follows the interval in force; a switch to a shorter one starts a fresh window', async () => {
    let now = 0;
    let fail = false;
    const store: StoredParameter[] = [];
    const list = (): Promise<StoredParameter[]> =>
      fail ? Promise.reject(new Error('SSM down')) : Promise.resolve([...store]);
    const source = new PollingDesiredSource(paths, kinds, list, () => new Date(now), guardInto(store, paths));
    const seen: Freshness[] = [];
    const poller = new DesiredPoller(
      source,
      { pollIntervalMs: 60_000, staleAfterMs: 190_000 },
      () => now,
      new Registry(),
      (f) => seen.push(f),
    );
    const abort = new AbortController();
    await poller.start(abort.signal);
    fail = true;
    now = 100_000;
    expect(poller.notReadyReasons()).toEqual([]);
    poller.setTiming({ pollIntervalMs: 10_000, staleAfterMs: 40_000 });
    expect(poller.intervalMs()).toBe(10_000);
    now = 140_000;
    expect(poller.notReadyReasons()).toEqual([]);
    now = 140_001;
    expect(poller.notReadyReasons()[0]).toMatch(/over 40 s/);
    expect(seen.map((f) => f.stale)).toEqual([true]);
    // Stale under the long bound, then switched to the short one: still stale, no fresh window.
    poller.setTiming({ pollIntervalMs: 60_000, staleAfterMs: 190_000 });
    now = 400_000;
    poller.setTiming({ pollIntervalMs: 10_000, staleAfterMs: 40_000 });
    expect(poller.notReadyReasons()[0]).toMatch(/desired state stale/);
    expect(seen.at(-1)?.stale).toBe(true);
    poller.stop();
    abort.abort();
    source.complete();
  });

  it('a new interval reschedules the next list; a list asked for during one runs right after it', async () => {
    const store: StoredParameter[] = [];
    let lists = 0;
    let gate: Promise<void> | undefined;
    const list = async (): Promise<StoredParameter[]> => {
      lists += 1;
      await gate;
      return [...store];
    };
    const source = new PollingDesiredSource(paths, kinds, list, () => new Date(), guardInto(store, paths));
    const timing = (ms: number): { pollIntervalMs: number; staleAfterMs: number } => ({
      pollIntervalMs: ms,
      staleAfterMs: 3 * ms,
    });
    const poller = new DesiredPoller(source, timing(60_000), Date.now, new Registry(), () => undefined);
    const abort = new AbortController();
    await poller.start(abort.signal);
    expect(lists).toBe(1);
    poller.setTiming(timing(10));
    await until(() => lists >= 3, 'lists at the short interval');
    poller.setTiming(timing(60_000));
    const held = deferred<void>();
    gate = held.promise;
    const before = lists;
    poller.listNow();
    await until(() => lists === before + 1, 'the list asked for');
    poller.listNow(); // while that list is held: it may have read too early
    held.resolve();
    gate = undefined;
    await until(() => lists === before + 2, 'the list that follows');
    poller.stop();
    abort.abort();
    source.complete();
  });

  it('a failed list is retried at retryAfterFailureMs, not at the long interval', async () => {
    const store: StoredParameter[] = [];
    let lists = 0;
    let fail = true;
    const list = (): Promise<StoredParameter[]> => {
      lists += 1;
      return fail ? Promise.reject(new Error('ThrottlingException')) : Promise.resolve([...store]);
    };
    const source = new PollingDesiredSource(paths, kinds, list, () => new Date(), guardInto(store, paths));
    const timing = { pollIntervalMs: 60_000, staleAfterMs: 180_000, retryAfterFailureMs: 20 };
    const poller = new DesiredPoller(source, timing, Date.now, new Registry(), () => undefined);
    const abort = new AbortController();
    await poller.start(abort.signal);
    await until(() => lists >= 3, 'retries of the failed list');
    fail = false;
    await until(() => source.currentHealth().ok, 'a list that succeeds');
    const after = lists;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lists).toBe(after);
    poller.stop();
    abort.abort();
    source.complete();
  });
});
