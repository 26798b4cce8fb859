import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { guardInto } from '../testing/fake-store-memory.js';
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
});
