import { describe, expect, it } from '@jest/globals';
import { sourceNatKind } from '../crds-equivalent/source-nat.js';
import { recordingLister } from '../testing/fake-change-queue.js';
import { fakeKind } from '../testing/fake-controller.js';
import { deferred } from '../testing/deferred.js';
import { FakeStoreMemory, guardInto } from '../testing/fake-store-memory.js';
import type { KindSnapshot } from './controller.js';
import { PollingDesiredSource, type StoredParameter } from './desired-source.js';
import { gatewayPaths, storeMarkerPath } from './paths.js';

const paths = gatewayPaths('/cloudspectra', 'gw1');
const kinds = [sourceNatKind, fakeKind];
const param = (plural: string, name: string, version: number): StoredParameter => ({
  name: `${paths.specRoot}/${plural}/${name}`,
  version,
  value: `{"v":${version}}`,
});
const summary = (s: KindSnapshot): string =>
  `${s.kind}:${s.resources.map((r) => `${r.name}@${r.generation}`).join(',')}`;
const never = new AbortController().signal;

function setUp(store: StoredParameter[]): {
  source: PollingDesiredSource;
  seen: string[];
  paths: string[];
} {
  const lister = recordingLister(store);
  const source = new PollingDesiredSource(paths, kinds, lister.list, () => new Date(0), guardInto(store, paths));
  const seen: string[] = [];
  source.snapshots$.subscribe((s) => seen.push(summary(s)));
  return { source, seen, paths: lister.paths };
}

describe('PollingDesiredSource.refreshKinds', () => {
  it('re-reads only the kind path and emits only that kind; the other kinds keep what the full list said', async () => {
    const store = [param('sourcenats', 'default', 1), param('fakes', 'a', 1)];
    const { source, seen, paths: read } = setUp(store);
    await source.resync(never); // first use: creates the store marker
    await source.resync(never);
    expect(seen).toEqual(['SourceNat:default@1', 'Fake:a@1']);
    store[0] = param('sourcenats', 'default', 2);
    // Changed in the store but not hinted at: a re-read of SourceNat must not touch Fake (neither drop nor update it).
    store[1] = param('fakes', 'a', 2);
    expect(await source.refreshKinds(['SourceNat'], never)).toBeUndefined();
    expect(read.at(-1)).toBe(`${paths.specRoot}/sourcenats`);
    expect(seen.slice(2)).toEqual(['SourceNat:default@2']);
    await source.resync(never);
    expect(seen.slice(3)).toEqual(['Fake:a@2']);
  });

  it('a duplicated hint emits nothing; a deletion is confirmed by a full list, which empties that kind only', async () => {
    const store = [param('sourcenats', 'default', 1), param('fakes', 'a', 1)];
    const { source, seen, paths: read } = setUp(store);
    await source.resync(never);
    await source.resync(never);
    await source.refreshKinds(['SourceNat'], never);
    await source.refreshKinds(['SourceNat', 'Fake'], never);
    expect(seen).toEqual(['SourceNat:default@1', 'Fake:a@1']);
    store.splice(1, 1);
    read.length = 0;
    await source.refreshKinds(['Fake'], never);
    expect(read).toEqual([`${paths.specRoot}/fakes`, paths.specRoot]);
    expect(seen.slice(2)).toEqual(['Fake:']);
  });

  it('a wiped store whose spec events come before its marker event removes nothing (fail safe)', async () => {
    const store = [param('fakes', 'a', 1)];
    const memory = new FakeStoreMemory();
    const lister = recordingLister(store);
    const source = new PollingDesiredSource(
      paths,
      kinds,
      lister.list,
      () => new Date(0),
      guardInto(store, paths, memory),
    );
    const seen: string[] = [];
    source.snapshots$.subscribe((s) => seen.push(summary(s)));
    const identities: string[] = [];
    source.identity$.subscribe((i) => identities.push(i.state));
    await source.resync(never);
    await source.resync(never); // the last listing holds the marker
    store.length = 0; // marker and specs deleted; the event for fakes/a is handled first
    await source.refreshKinds(['Fake'], never);
    expect(identities.at(-1)).toBe('unrecognized');
    expect(seen).toEqual(['SourceNat:', 'Fake:a@1']);
  });

  it('before the first full list, or for unknown kinds, reads nothing', async () => {
    const { source, seen, paths: read } = setUp([param('fakes', 'a', 1)]);
    expect(await source.refreshKinds(['Fake'], never)).toBe('unlisted');
    await source.resync(never);
    await source.refreshKinds(['Nope'], never);
    expect(read).toEqual([paths.specRoot]);
    expect(seen).toEqual(['SourceNat:', 'Fake:a@1']);
  });

  it('a failed re-read is returned, changes nothing and leaves health to the full lists', async () => {
    const store = [param('fakes', 'a', 1)];
    let fail = false;
    const list = (path: string): Promise<StoredParameter[]> =>
      fail
        ? Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
        : Promise.resolve(store.filter((p) => p.name.startsWith(`${path}/`)));
    const source = new PollingDesiredSource(paths, kinds, list, () => new Date(0), guardInto(store, paths));
    const seen: string[] = [];
    source.snapshots$.subscribe((s) => seen.push(summary(s)));
    await source.resync(never);
    await source.resync(never);
    fail = true;
    expect(((await source.refreshKinds(['Fake'], never)) as Error).name).toBe('AccessDeniedException');
    expect(source.currentHealth().ok).toBe(true);
    expect(seen).toEqual(['SourceNat:', 'Fake:a@1']);
  });

  it('right after first use (the marker is not in the last listing), a hint reads the whole spec', async () => {
    const store = [param('fakes', 'a', 1)];
    const { source, paths: read } = setUp(store);
    await source.resync(never);
    await source.refreshKinds(['Fake'], never);
    await source.refreshKinds(['Fake'], never);
    expect(read).toEqual([paths.specRoot, paths.specRoot, `${paths.specRoot}/fakes`]);
  });

  it('keeps the store marker across re-reads, so the guard still recognises the store', async () => {
    const store = [param('fakes', 'a', 1)];
    const { source } = setUp(store);
    const identities: string[] = [];
    source.identity$.subscribe((i) => identities.push(i.state));
    await source.resync(never);
    expect(store.some((p) => p.name === storeMarkerPath(paths))).toBe(true);
    store[0] = param('fakes', 'a', 2);
    await source.refreshKinds(['Fake'], never);
    expect(identities).toEqual(['recognized', 'recognized']);
  });

  it('runs reads one at a time: a re-read asked for during a slow full list starts after it and wins', async () => {
    const store = [param('fakes', 'a', 1)];
    const gate = deferred<void>();
    const order: string[] = [];
    const list = async (path: string): Promise<StoredParameter[]> => {
      order.push(`start ${path}`);
      const snapshot = store.filter((p) => p.name.startsWith(`${path}/`)).map((p) => ({ ...p }));
      if (path === paths.specRoot && order.length > 1) await gate.promise;
      order.push(`end ${path}`);
      return snapshot;
    };
    const source = new PollingDesiredSource(paths, kinds, list, () => new Date(0), guardInto(store, paths));
    const seen: string[] = [];
    source.snapshots$.subscribe((s) => seen.push(summary(s)));
    await source.resync(never);
    const full = source.resync(never); // reads version 1, then is held
    store[0] = param('fakes', 'a', 2);
    const hinted = source.refreshKinds(['Fake'], never);
    gate.resolve();
    await Promise.all([full, hinted]);
    expect(order.slice(2)).toEqual([
      `start ${paths.specRoot}`,
      `end ${paths.specRoot}`,
      `start ${paths.specRoot}/fakes`,
      `end ${paths.specRoot}/fakes`,
    ]);
    expect(seen).toEqual(['SourceNat:', 'Fake:a@1', 'Fake:a@2']);
  });
});
