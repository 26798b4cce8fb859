import type { SSMClient } from '@aws-sdk/client-ssm';
import { createSsmMarkerCreator, readSsmMarker } from '../adapters/ssm-store-marker.js';
import { createStoreMemory } from '../adapters/store-memory.js';
import { storeMarkerPath, type GatewayPaths } from '../runtime/paths.js';
import { StoreGuard, type AdoptPorts } from '../runtime/store-guard.js';

export interface StoreWiring {
  ssm: SSMClient;
  paths: GatewayPaths;
  /** The instance's local state directory (--state-dir). */
  stateDir: string;
  instanceId: string;
  clock: () => Date;
}

/** The guard of `csgw run`: its memory on local disk, the marker in SSM. */
export function createStoreGuard(w: StoreWiring): StoreGuard {
  const memory = createStoreMemory(w.stateDir, w.instanceId, w.paths.root);
  const marker = createSsmMarkerCreator(w.ssm, storeMarkerPath(w.paths), w.clock);
  return new StoreGuard(w.paths, memory, marker, w.clock);
}

/** The store's marker and this instance's memory of it: what adoption and bootstrapping check and change. */
export function storePorts(w: StoreWiring): AdoptPorts {
  const name = storeMarkerPath(w.paths);
  return {
    readMarker: (signal) => readSsmMarker(w.ssm, name, signal),
    createMarker: createSsmMarkerCreator(w.ssm, name, w.clock),
    memory: createStoreMemory(w.stateDir, w.instanceId, w.paths.root),
    clock: w.clock,
  };
}
