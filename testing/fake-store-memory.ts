import type { StoredParameter } from '../runtime/desired-source.js';
import { storeMarkerPath, type GatewayPaths } from '../runtime/paths.js';
import { StoreGuard, type MarkerCreator, type StoreMemoryPort } from '../runtime/store-guard.js';
import { markerDocument, parseMarker, type RememberedStore } from '../runtime/store-identity.js';

/** The instance's local memory, kept in this object. */
export class FakeStoreMemory implements StoreMemoryPort {
  identity?: RememberedStore;
  snapshot?: StoredParameter[];
  snapshotWrites = 0;

  readIdentity(): Promise<RememberedStore | undefined> {
    return Promise.resolve(this.identity && { ...this.identity });
  }

  writeIdentity(identity: RememberedStore): Promise<void> {
    this.identity = { ...identity };
    return Promise.resolve();
  }

  readSnapshot(): Promise<StoredParameter[] | undefined> {
    return Promise.resolve(this.snapshot && [...this.snapshot]);
  }

  writeSnapshot(parameters: readonly StoredParameter[]): Promise<void> {
    this.snapshot = [...parameters];
    this.snapshotWrites += 1;
    return Promise.resolve();
  }
}

/** Creates the marker inside an in-memory store (the array a test's lister returns), unless it holds one. */
export function markerCreatorInto(
  store: StoredParameter[],
  paths: GatewayPaths,
  id = 'store-test-0001',
): MarkerCreator {
  return (createdBy) => {
    const name = storeMarkerPath(paths);
    const existing = store.find((p) => p.name === name);
    if (!existing) store.push({ name, version: 1, value: markerDocument(id, createdBy, new Date(0)) });
    return Promise.resolve(parseMarker(store.find((p) => p.name === name)!.value)!);
  };
}

/** A guard over an in-memory store: its first listing creates the marker there, as an operator's first use does. */
export function guardInto(store: StoredParameter[], paths: GatewayPaths, memory = new FakeStoreMemory()): StoreGuard {
  return new StoreGuard(paths, memory, markerCreatorInto(store, paths), () => new Date());
}
