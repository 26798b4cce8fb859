import { createHash } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import type { StoredParameter } from './desired-source.js';
import type { GatewayPaths } from './paths.js';
import { storeMarkerPath } from './paths.js';
import {
  describeUnrecognized,
  keepRemembered,
  parseMarker,
  recognize,
  type Recognition,
  type RememberedStore,
  type StoreMarker,
} from './store-identity.js';

/** This instance's local memory of its store (adapters/store-memory.ts; an in-memory fake in tests). */
export interface StoreMemoryPort {
  readIdentity(): Promise<RememberedStore | undefined>;
  writeIdentity(identity: RememberedStore): Promise<void>;
  /** The spec parameters last listed from the remembered store: what an unrecognised store may not remove. */
  readSnapshot(): Promise<StoredParameter[] | undefined>;
  writeSnapshot(parameters: readonly StoredParameter[]): Promise<void>;
}

/** Creates the marker unless one exists; returns the marker the store holds afterwards. */
export type MarkerCreator = (createdBy: string, signal: AbortSignal) => Promise<StoreMarker>;

/** What the desired source hands on after the guard looked at a listing. */
export interface GuardedListing {
  parameters: StoredParameter[];
  identity: SourceIdentity;
}

export type SourceIdentity =
  | { state: 'recognized'; storeId: string }
  | { state: 'unrecognized'; expected: string; found?: string; message: string };

export interface StoreGuardEvent {
  type: 'Normal' | 'Warning';
  reason: 'StoreIdentityCreated' | 'StoreAdopted' | 'SourceUnrecognized';
  message: string;
}

/**
 * Fails safe on a store the instance does not recognise: it keeps what the remembered store held, so a blank or
 * foreign config source never tears the data plane down. Adoption (a person's decision) is the only way back to
 * deleting: `csgw adopt` rewrites the remembered identity, which this guard reads on every listing.
 */
export class StoreGuard {
  private snapshot?: StoredParameter[];
  private snapshotSignature?: string;
  /** The store last found unrecognised (its marker id, '' for none); undefined while the store is recognised. */
  private unrecognizedFound?: string;
  private readonly events = new Subject<StoreGuardEvent>();
  /** Identity transitions worth an event: a marker created, a store not recognised, a store adopted. */
  readonly events$: Observable<StoreGuardEvent> = this.events.asObservable();

  constructor(
    private readonly paths: GatewayPaths,
    private readonly memory: StoreMemoryPort,
    private readonly createMarker: MarkerCreator,
    private readonly clock: () => Date,
  ) {}

  async admit(listed: readonly StoredParameter[], signal: AbortSignal): Promise<GuardedListing> {
    const { marker, specs } = splitMarker(this.paths, listed);
    const recognition = recognize(marker, await this.memory.readIdentity());
    if (recognition.state === 'unrecognized') return this.unrecognized(recognition, specs);
    const storeId = recognition.state === 'recognized' ? recognition.storeId : await this.firstUse(recognition, signal);
    if (this.unrecognizedFound !== undefined && recognition.state === 'recognized')
      this.events.next({
        type: 'Warning',
        reason: 'StoreAdopted',
        message: `store ${storeId} at ${this.paths.root} was adopted: resources it lacks are removed from now on`,
      });
    this.unrecognizedFound = undefined;
    await this.remember(specs);
    return { parameters: specs, identity: { state: 'recognized', storeId } };
  }

  /** No memory yet: adopt the store's marker, creating it when the store has none. */
  private async firstUse(r: Extract<Recognition, { state: 'firstUse' }>, signal: AbortSignal): Promise<string> {
    const storeId = r.storeId ?? (await this.createMarker('operator', signal)).id;
    if (!r.storeId)
      this.events.next({
        type: 'Normal',
        reason: 'StoreIdentityCreated',
        message: `${this.paths.root} had no identity marker: created store ${storeId}`,
      });
    await this.memory.writeIdentity({
      storeId,
      root: this.paths.root,
      adoptedAt: this.clock().toISOString(),
      adoptedBy: 'operator (first use)',
    });
    return storeId;
  }

  private async unrecognized(
    r: Extract<Recognition, { state: 'unrecognized' }>,
    specs: StoredParameter[],
  ): Promise<GuardedListing> {
    const message = describeUnrecognized(r, this.paths.root);
    const found = r.found ?? '';
    if (this.unrecognizedFound !== found) this.events.next({ type: 'Warning', reason: 'SourceUnrecognized', message });
    this.unrecognizedFound = found;
    this.snapshot ??= (await this.memory.readSnapshot()) ?? [];
    return {
      parameters: keepRemembered(this.snapshot, specs),
      identity: { state: 'unrecognized', expected: r.expected, ...(r.found ? { found: r.found } : {}), message },
    };
  }

  /** Keeps the recognised store's specs on disk, rewritten only when they changed. */
  private async remember(specs: StoredParameter[]): Promise<void> {
    const hash = createHash('sha256');
    for (const p of specs) hash.update(`${p.name}\0${p.version}\0${p.value}\0`);
    const signature = hash.digest('base64');
    this.snapshot = specs;
    if (signature === this.snapshotSignature) return;
    await this.memory.writeSnapshot(specs);
    this.snapshotSignature = signature;
  }
}

/** The store's marker, and the specs listed beside it. */
function splitMarker(
  paths: GatewayPaths,
  listed: readonly StoredParameter[],
): { marker: StoreMarker | undefined; specs: StoredParameter[] } {
  const name = storeMarkerPath(paths);
  return {
    marker: parseMarker(listed.find((p) => p.name === name)?.value),
    specs: listed.filter((p) => p.name !== name),
  };
}

/**
 * What the guard would admit, read-only (`csgw diff`): nothing is created or remembered. `unrecognized` carries the
 * message when the store is not the remembered one.
 */
export async function previewAdmission(
  paths: GatewayPaths,
  listed: readonly StoredParameter[],
  memory: Pick<StoreMemoryPort, 'readIdentity' | 'readSnapshot'>,
): Promise<{ parameters: StoredParameter[]; unrecognized?: string }> {
  const { marker, specs } = splitMarker(paths, listed);
  const recognition = recognize(marker, await memory.readIdentity());
  if (recognition.state !== 'unrecognized') return { parameters: specs };
  const parameters = keepRemembered((await memory.readSnapshot()) ?? [], specs);
  return { parameters, unrecognized: describeUnrecognized(recognition, paths.root) };
}

export interface AdoptPorts {
  readMarker(signal: AbortSignal): Promise<StoreMarker | undefined>;
  createMarker: MarkerCreator;
  memory: StoreMemoryPort;
  clock: () => Date;
}

/**
 * A person's decision that the store now at this root is the one to reconcile from (deletions included): its
 * marker, created when it has none, becomes the remembered identity. Returns what was and what is remembered.
 */
export async function adoptStore(
  ports: AdoptPorts,
  root: string,
  adoptedBy: string,
  signal: AbortSignal,
): Promise<{ previous?: string; storeId: string; created: boolean }> {
  const previous = (await ports.memory.readIdentity())?.storeId;
  const existing = await ports.readMarker(signal);
  const marker = existing ?? (await ports.createMarker('adopt', signal));
  await ports.memory.writeIdentity({ storeId: marker.id, root, adoptedAt: ports.clock().toISOString(), adoptedBy });
  return { ...(previous ? { previous } : {}), storeId: marker.id, created: !existing };
}
