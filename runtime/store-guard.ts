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
  private lastState?: string;
  private readonly events = new Subject<StoreGuardEvent>();
  /** Identity transitions worth an event: a marker created, a store not recognised, a store adopted. */
  readonly events$: Observable<StoreGuardEvent> = this.events.asObservable();

  constructor(
    private readonly paths: GatewayPaths,
    private readonly memory: StoreMemoryPort,
    private readonly createMarker: MarkerCreator,
    private readonly clock: () => Date,
  ) {}

  private onEvent(e: StoreGuardEvent): void {
    this.events.next(e);
  }

  async admit(listed: readonly StoredParameter[], signal: AbortSignal): Promise<GuardedListing> {
    const markerName = storeMarkerPath(this.paths);
    const marker = parseMarker(listed.find((p) => p.name === markerName)?.value);
    const specs = listed.filter((p) => p.name !== markerName);
    const remembered = await this.memory.readIdentity();
    const recognition = recognize(marker, remembered);
    if (recognition.state === 'unrecognized') return this.unrecognized(recognition, specs);
    const storeId = recognition.state === 'recognized' ? recognition.storeId : await this.firstUse(recognition, signal);
    this.transition(`recognized:${storeId}`, remembered ? 'recognized' : 'firstUse', storeId);
    await this.remember(specs);
    return { parameters: specs, identity: { state: 'recognized', storeId } };
  }

  /** No memory yet: adopt the store's marker, creating it when the store has none. */
  private async firstUse(r: Extract<Recognition, { state: 'firstUse' }>, signal: AbortSignal): Promise<string> {
    const storeId = r.storeId ?? (await this.createMarker('operator', signal)).id;
    if (!r.storeId)
      this.onEvent({
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
    if (this.lastState !== `unrecognized:${r.found ?? ''}`)
      this.onEvent({ type: 'Warning', reason: 'SourceUnrecognized', message });
    this.lastState = `unrecognized:${r.found ?? ''}`;
    this.snapshot ??= (await this.memory.readSnapshot()) ?? [];
    return {
      parameters: keepRemembered(this.snapshot, specs),
      identity: { state: 'unrecognized', expected: r.expected, ...(r.found ? { found: r.found } : {}), message },
    };
  }

  /** An unrecognised store that a person adopted (csgw adopt rewrote the memory) is reported once. */
  private transition(state: string, how: 'recognized' | 'firstUse', storeId: string): void {
    const wasUnrecognized = this.lastState?.startsWith('unrecognized:') === true;
    this.lastState = state;
    if (wasUnrecognized && how === 'recognized')
      this.onEvent({
        type: 'Warning',
        reason: 'StoreAdopted',
        message: `store ${storeId} at ${this.paths.root} was adopted: resources it lacks are removed from now on`,
      });
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
