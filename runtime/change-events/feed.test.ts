import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import { fakeKind } from '../../testing/fake-controller.js';
import { guardInto } from '../../testing/fake-store-memory.js';
import { FakeChangeQueue, recordingLister, until } from '../../testing/fake-change-queue.js';
import { DesiredPoller } from '../desired-poller.js';
import { PollingDesiredSource, type StoredParameter } from '../desired-source.js';
import { gatewayPaths, storeMarkerPath } from '../paths.js';
import { ChangeFeed } from './feed.js';
import { ChangeFeedMetrics } from './metrics.js';
import type { FeedState } from './watcher.js';

const paths = gatewayPaths('/cloudspectra', 'gw1');
const kinds = [sourceNatKind, fakeKind];
const fake = (name: string, version: number): StoredParameter => ({
  name: `${paths.specRoot}/fakes/${name}`,
  version,
  value: `{"v":${version}}`,
});
const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

interface Rig {
  store: StoredParameter[];
  queue: FakeChangeQueue;
  poller: DesiredPoller;
  snapshots: string[];
  reads: string[];
  states: FeedState[];
  registry: Registry;
  /** Kind re-reads fail while set (full lists still answer). */
  failKindReads: { on: boolean };
}

/** A source, a poller and a feed wired as the operator wires them, over an in-memory store and queue. */
async function rig(intervals = { push: 60_000, polling: 60_000 }): Promise<Rig> {
  const store = [fake('a', 1)];
  const lister = recordingLister(store);
  const failKindReads = { on: false };
  const list = (path: string, signal: AbortSignal): Promise<StoredParameter[]> =>
    failKindReads.on && path !== paths.specRoot
      ? Promise.reject(new Error('ThrottlingException'))
      : lister.list(path, signal);
  const source = new PollingDesiredSource(paths, kinds, list, () => new Date(), guardInto(store, paths));
  const snapshots: string[] = [];
  source.snapshots$.subscribe((s) =>
    snapshots.push(`${s.kind}:${s.resources.map((r) => `${r.name}@${r.generation}`).join(',')}`),
  );
  const registry = new Registry();
  const timing = (ms: number): { pollIntervalMs: number; staleAfterMs: number } => ({
    pollIntervalMs: ms,
    staleAfterMs: 3 * ms,
  });
  const poller = new DesiredPoller(source, timing(intervals.polling), Date.now, registry, () => undefined);
  const queue = new FakeChangeQueue(20);
  const states: FeedState[] = [];
  const feed = new ChangeFeed({
    paths,
    kinds,
    source,
    poller,
    queue,
    metrics: new ChangeFeedMetrics(registry),
    timing: {
      push: timing(intervals.push),
      polling: timing(intervals.polling),
      watcher: { receiveDeadlineMs: 1_000, backoffBaseMs: 5, backoffMaxMs: 20, toleratedFailures: 3 },
      coalesceMs: 5,
      rereadTimeoutMs: 1_000,
    },
    onState: (s) => states.push(s),
    onError: () => undefined,
  });
  const abort = new AbortController();
  stops.push(() => {
    abort.abort();
    poller.stop();
    feed.stop();
  });
  feed.start(abort.signal);
  await poller.start(abort.signal);
  await source.resync(abort.signal); // the second list sees the marker the first one created
  await until(() => states.some((s) => s.mechanism === 'push'), 'push');
  lister.paths.length = 0;
  return { store, queue, poller, snapshots, reads: lister.paths, states, registry, failKindReads };
}

const metric = async (r: Rig, name: string, labels: Record<string, string>): Promise<number> =>
  (await r.registry.getSingleMetric(name)?.get())?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  )?.value ?? 0;

describe('ChangeFeed', () => {
  it('a change event re-reads its kind at once and emits its snapshot, without waiting for a poll', async () => {
    const r = await rig();
    r.store[0] = fake('a', 2);
    r.queue.sendChange(r.store[0].name);
    await until(() => r.snapshots.includes('Fake:a@2'), 'snapshot');
    expect(r.reads).toEqual([`${paths.specRoot}/fakes`]);
    expect(await metric(r, 'csgw_change_events_total', { result: 'hint' })).toBe(1);
    expect(await metric(r, 'csgw_change_mechanism', { mechanism: 'push' })).toBe(1);
  });

  it('a failed re-read asks for a full list at once, which picks the change up and reports on health', async () => {
    const r = await rig();
    r.failKindReads.on = true;
    r.store[0] = fake('a', 2);
    r.queue.sendChange(r.store[0].name);
    await until(() => r.snapshots.includes('Fake:a@2'), 'snapshot from the full list');
    expect(r.reads).toEqual([paths.specRoot]);
  });

  it('a burst of events about one kind costs one read', async () => {
    const r = await rig();
    r.store.push(fake('b', 1), fake('c', 1));
    for (const name of ['a', 'b', 'c', 'b', 'a']) r.queue.sendChange(`${paths.specRoot}/fakes/${name}`);
    await until(() => r.snapshots.includes('Fake:a@1,b@1,c@1'), 'snapshot');
    expect(r.reads).toEqual([`${paths.specRoot}/fakes`]);
  });

  it('duplicated and reordered events change nothing: SSM versions decide', async () => {
    const r = await rig();
    r.store[0] = fake('a', 2);
    r.queue.sendChange(r.store[0].name);
    await until(() => r.snapshots.includes('Fake:a@2'), 'snapshot');
    const emitted = r.snapshots.length;
    // The same event again, and an older one (Create, before the Update) arriving late.
    r.queue.sendChange(r.store[0].name);
    r.queue.sendChange(r.store[0].name, 'Create');
    await until(() => r.reads.length >= 2, 're-read');
    await until(
      async () => (await metric(r, 'csgw_change_rereads_total', { scope: 'kind', result: 'ok' })) >= 2,
      're-reads done',
    );
    expect(r.snapshots.length).toBe(emitted);
  });

  it('ignores events about other gateways; the store marker or an unknown kind asks for a full list', async () => {
    const r = await rig();
    r.queue.sendChange('/cloudspectra/other/spec/fakes/a');
    r.queue.sendChange(`${paths.root}/status/gw-1`);
    await until(async () => (await metric(r, 'csgw_change_events_total', { result: 'ignored' })) === 2, 'ignored');
    expect(r.reads).toEqual([]);
    r.queue.sendChange(storeMarkerPath(paths));
    r.queue.sendChange(`${paths.specRoot}/newkinds/x`);
    await until(() => r.reads.length === 1, 'full list');
    expect(r.reads).toEqual([paths.specRoot]);
  });

  it('a lost event is caught by the periodic full list', async () => {
    const r = await rig({ push: 200, polling: 60_000 });
    r.store[0] = fake('a', 3);
    await until(() => r.snapshots.includes('Fake:a@3'), 'resync');
    expect(r.reads[0]).toBe(paths.specRoot);
  });

  it('a missing queue switches to the polling interval; push back lists at once and lengthens it again', async () => {
    const r = await rig({ push: 60_000, polling: 30_000 });
    expect(r.poller.intervalMs()).toBe(60_000);
    r.queue.problem = 'QueueMissing';
    await until(() => r.states.at(-1)?.mechanism === 'polling', 'polling');
    expect(r.poller.intervalMs()).toBe(30_000);
    expect(await metric(r, 'csgw_change_mechanism', { mechanism: 'polling' })).toBe(1);
    r.queue.problem = undefined;
    await until(() => r.states.at(-1)?.mechanism === 'push', 'push');
    expect(r.poller.intervalMs()).toBe(60_000);
    // Events sent while the queue was gone are lost: a full list right away covers them.
    await until(() => r.reads.includes(paths.specRoot), 'full list on recovery');
  });
});
