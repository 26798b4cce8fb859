import { describe, expect, it } from '@jest/globals';
import { FakeStoreMemory, markerCreatorInto } from '../testing/fake-store-memory.js';
import type { StoredParameter } from './desired-source.js';
import { gatewayPaths, storeMarkerPath } from './paths.js';
import { adoptStore, StoreGuard, type StoreGuardEvent } from './store-guard.js';
import { markerDocument, parseMarker } from './store-identity.js';

const paths = gatewayPaths('/cloudspectra', 'gw');
const spec = (name: string, version = 1, value = '{}'): StoredParameter => ({
  name: `${paths.specRoot}/firewallpolicies/${name}`,
  version,
  value,
});
const marker = (id: string): StoredParameter => ({
  name: storeMarkerPath(paths),
  version: 1,
  value: markerDocument(id, 'test', new Date(0)),
});

function guardOver(store: StoredParameter[], memory = new FakeStoreMemory()) {
  const events: StoreGuardEvent[] = [];
  const guard = new StoreGuard(paths, memory, markerCreatorInto(store, paths, 'store-aaaa-0001'), () => new Date());
  guard.events$.subscribe((e) => events.push(e));
  const admit = () => guard.admit([...store], AbortSignal.timeout(1000));
  return { guard, memory, events, admit };
}

describe('StoreGuard', () => {
  it('on first use creates the marker of a store that has none, remembers it, and hands the specs on', async () => {
    const store = [spec('a')];
    const { memory, events, admit } = guardOver(store);
    const out = await admit();
    expect(out.identity).toEqual({ state: 'recognized', storeId: 'store-aaaa-0001' });
    expect(out.parameters).toEqual([spec('a')]);
    expect(memory.identity?.storeId).toBe('store-aaaa-0001');
    expect(store.some((p) => p.name === storeMarkerPath(paths))).toBe(true);
    expect(events.map((e) => e.reason)).toEqual(['StoreIdentityCreated']);
  });

  it('in a recognised store a deletion converges: the listing is handed on as it is', async () => {
    const store = [marker('store-aaaa-0001'), spec('a'), spec('b')];
    const { admit } = guardOver(store);
    await admit();
    store.splice(2, 1);
    expect((await admit()).parameters).toEqual([spec('a')]);
  });

  it('an empty store with another (or no) identity removes nothing, applies adds and edits, and warns once', async () => {
    const memory = new FakeStoreMemory();
    const first = guardOver([marker('store-aaaa-0001'), spec('a'), spec('b')], memory);
    await first.admit();
    // A new operator (restart) pointed at an empty store: it has only the memory on disk.
    const blank: StoredParameter[] = [];
    const restarted = guardOver(blank, memory);
    const out = await restarted.admit();
    expect(out.identity).toMatchObject({ state: 'unrecognized', expected: 'store-aaaa-0001' });
    expect(out.parameters.map((p) => p.name).sort()).toEqual([spec('a').name, spec('b').name]);
    expect(blank).toEqual([]); // no marker is created in a store that is not ours
    blank.push(marker('store-bbbb-0002'), spec('a', 1, '{"edited":true}'), spec('c'));
    const again = await restarted.admit();
    expect(again.parameters).toEqual(expect.arrayContaining([spec('a', 1, '{"edited":true}'), spec('b'), spec('c')]));
    expect(again.identity).toMatchObject({ found: 'store-bbbb-0002' });
    expect(restarted.events.map((e) => e.reason)).toEqual(['SourceUnrecognized', 'SourceUnrecognized']);
    expect(restarted.events[1]?.message).toMatch(/store store-bbbb-0002.*store-aaaa-0001/);
    await restarted.admit();
    expect(restarted.events).toHaveLength(2);
    expect(memory.identity?.storeId).toBe('store-aaaa-0001');
  });

  it('after adoption deletes again, and says so once', async () => {
    const memory = new FakeStoreMemory();
    await guardOver([marker('store-aaaa-0001'), spec('a')], memory).admit();
    const other = [marker('store-bbbb-0002'), spec('c')];
    const g = guardOver(other, memory);
    expect((await g.admit()).parameters).toHaveLength(2);
    const adopted = await adoptStore(
      {
        readMarker: () => Promise.resolve(parseMarker(other[0]!.value)),
        createMarker: markerCreatorInto(other, paths),
        memory,
        clock: () => new Date(),
      },
      paths.root,
      'test',
      AbortSignal.timeout(1000),
    );
    expect(adopted).toEqual({ previous: 'store-aaaa-0001', storeId: 'store-bbbb-0002', created: false });
    const out = await g.admit();
    expect(out.parameters).toEqual([spec('c')]);
    expect(g.events.map((e) => e.reason)).toEqual(['SourceUnrecognized', 'StoreAdopted']);
  });

  it('rewrites the remembered specs only when they changed', async () => {
    const store = [marker('store-aaaa-0001'), spec('a')];
    const { memory, admit } = guardOver(store);
    await admit();
    await admit();
    expect(memory.snapshotWrites).toBe(1);
    store[1] = spec('a', 2, '{"x":1}');
    await admit();
    expect(memory.snapshotWrites).toBe(2);
    expect(memory.snapshot).toEqual([spec('a', 2, '{"x":1}')]);
  });

  it('an unfamiliar marker value counts as no marker', () => {
    expect(parseMarker('garbage')).toBeUndefined();
    expect(parseMarker('{"id":"x"}')).toBeUndefined();
    expect(parseMarker(markerDocument('store-aaaa-0001', 't', new Date(0)))?.id).toBe('store-aaaa-0001');
  });
});
