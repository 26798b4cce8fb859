import { createHash } from 'node:crypto';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { KindDefinition } from '../crds-equivalent/index.js';
import type { KindSnapshot, StoredResource } from './controller.js';
import { kindSpecPath, parseSpecPath, storeMarkerPath, type GatewayPaths } from './paths.js';
import type { SourceIdentity, StoreGuard } from './store-guard.js';

export interface StoredParameter {
  name: string;
  version: number;
  /** When this version was written (SSM LastModifiedDate, ISO 8601), if the store says. */
  modifiedAt?: string;
  value: string;
}

/** Lists every parameter under a path (all pages). The SSM adapter implements it; tests use an in-memory one. */
export type ParameterLister = (path: string, signal: AbortSignal) => Promise<StoredParameter[]>;

export interface SourceHealth {
  ok: boolean;
  reason: string;
  message: string;
  lastSuccessAt?: string;
}

/**
 * Where desired state comes from: full lists on a timer, and re-reads of one kind when a change event hints at it
 * (runtime/change-events/). Both emit the same snapshots.
 */
export interface DesiredStateSource {
  /** One snapshot per kind whose resources changed (by SSM version); the first successful list emits every kind. */
  readonly snapshots$: Observable<KindSnapshot>;
  readonly health$: Observable<SourceHealth>;
  resync(signal: AbortSignal): Promise<void>;
}

/**
 * Turns full listings into per-kind snapshots, emitting only kinds whose resources changed. The signature holds a
 * hash of each value as well as its version: a parameter deleted and re-created between two lists is back at
 * version 1 with another value.
 */
export class SnapshotDiffer {
  private readonly signatures = new Map<string, string>();

  constructor(
    private readonly paths: GatewayPaths,
    private readonly kinds: readonly KindDefinition[],
  ) {}

  changed(parameters: readonly StoredParameter[]): KindSnapshot[] {
    const byKind = new Map<string, StoredResource[]>(this.kinds.map((k) => [k.kind, []]));
    for (const p of parameters) {
      const parsed = parseSpecPath(this.paths, p.name);
      const kind = parsed && this.kinds.find((k) => k.plural === parsed.plural);
      if (parsed && kind)
        byKind.get(kind.kind)?.push({
          name: parsed.name,
          generation: p.version,
          value: p.value,
          ...(p.modifiedAt ? { modifiedAt: p.modifiedAt } : {}),
        });
    }
    const out: KindSnapshot[] = [];
    for (const [kind, resources] of byKind) {
      resources.sort((a, b) => a.name.localeCompare(b.name));
      const signature = resources.map((r) => `${r.name}:${r.generation}:${digest(r.value)}`).join(',');
      if (this.signatures.get(kind) === signature) continue;
      this.signatures.set(kind, signature);
      out.push({ kind, resources });
    }
    return out;
  }
}

/**
 * List+watch by GetParametersByPath: the whole spec root on a timer, one kind's path on a hint. Reads run one at a
 * time, so a read that ends later never carries older data than one that ended before it.
 */
export class PollingDesiredSource implements DesiredStateSource {
  private readonly snapshots = new Subject<KindSnapshot>();
  private readonly health = new BehaviorSubject<SourceHealth>({
    ok: false,
    reason: 'NotListedYet',
    message: 'desired state not listed yet',
  });
  private readonly differ: SnapshotDiffer;
  private readonly identity = new Subject<SourceIdentity>();
  /** The last full listing as read (marker included): a kind re-read replaces that kind's part of it. */
  private listed?: StoredParameter[];
  private turn: Promise<unknown> = Promise.resolve();
  readonly snapshots$ = this.snapshots.asObservable();
  readonly health$ = this.health.asObservable();
  /** Whether the listed store is the one this instance remembers (after every successful list). */
  readonly identity$ = this.identity.asObservable();

  constructor(
    private readonly paths: GatewayPaths,
    private readonly kinds: readonly KindDefinition[],
    private readonly list: ParameterLister,
    private readonly clock: () => Date,
    private readonly guard: StoreGuard,
  ) {
    this.differ = new SnapshotDiffer(paths, kinds);
  }

  /** The latest health, for readers that ask rather than subscribe (/status, /readyz). */
  currentHealth(): SourceHealth {
    return this.health.getValue();
  }

  /**
   * One list; failures are reported through health$ and never thrown, so a poll loop can't die of them. A listing
   * the guard cannot vouch for (its memory unreadable) emits nothing: controllers keep what they run.
   */
  async resync(signal: AbortSignal): Promise<void> {
    return this.exclusive(() => this.fullList(signal));
  }

  /**
   * Re-reads the paths of these kinds only and emits what changed. Before the first full list there is nothing to
   * merge into: the first list is underway. A failure changes nothing (the next full list is the safety net) and is
   * returned, never thrown; health and freshness follow full lists only.
   */
  async refreshKinds(kinds: readonly string[], signal: AbortSignal): Promise<Error | 'unlisted' | undefined> {
    return this.exclusive(async () => {
      const plurals = new Set(this.kinds.filter((k) => kinds.includes(k.kind)).map((k) => k.plural));
      const base = this.listed;
      if (plurals.size === 0) return undefined;
      // Nothing to patch before the first successful full list: the caller asks the poller for one.
      if (!base) return 'unlisted';
      // The guard recognises the store by the marker in the listing: one created after the last full list (first
      // use) is not in it, so the whole spec is read again instead.
      if (!base.some((p) => p.name === storeMarkerPath(this.paths))) {
        await this.fullList(signal);
        return undefined;
      }
      try {
        signal.throwIfAborted();
        const reads = await Promise.all(
          this.kinds.filter((k) => plurals.has(k.plural)).map((k) => this.list(kindSpecPath(this.paths, k), signal)),
        );
        if (signal.aborted) throw deadlineError();
        // Only the re-read kinds are replaced: every other kind keeps what the last read said.
        const inKinds = (p: StoredParameter): boolean => plurals.has(parseSpecPath(this.paths, p.name)?.plural ?? '');
        const fresh = reads.flat().filter(inKinds);
        const names = new Set(fresh.map((p) => p.name));
        // A deletion is what the store guard exists for, and it judges by the marker read with the specs: a wiped
        // store's events may come in any order, so a resource gone is confirmed by a full list, marker and all.
        if (base.some((p) => inKinds(p) && !names.has(p.name))) await this.fullList(signal);
        else await this.admit([...base.filter((p) => !inKinds(p)), ...fresh], signal);
        return undefined;
      } catch (err) {
        return err as Error;
      }
    });
  }

  private async fullList(signal: AbortSignal): Promise<void> {
    try {
      // Reads wait their turn: the deadline (or the stop) may come while this one waits.
      signal.throwIfAborted();
      const listed = await this.list(this.paths.specRoot, signal);
      await this.admit(listed, signal, (admitted) =>
        this.health.next({
          ok: true,
          reason: 'Listed',
          message: `${admitted} spec parameters`,
          lastSuccessAt: this.clock().toISOString(),
        }),
      );
    } catch (err) {
      // Stopping is not a failure; a list that outlived its deadline is one.
      const timedOut = signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError';
      if (signal.aborted && !timedOut) return;
      const e = timedOut ? deadlineError() : (err as Error);
      const previous = this.health.getValue();
      this.health.next({
        ok: false,
        reason: classifySsmError(e),
        message: e.message,
        ...(previous.lastSuccessAt ? { lastSuccessAt: previous.lastSuccessAt } : {}),
      });
    }
  }

  /** Hands a listing to the guard and emits the kinds that changed; `admitted` first learns how many specs passed. */
  private async admit(
    listed: StoredParameter[],
    signal: AbortSignal,
    admitted?: (count: number) => void,
  ): Promise<void> {
    const { parameters, identity } = await this.guard.admit(listed, signal);
    this.listed = listed;
    admitted?.(parameters.length);
    this.identity.next(identity);
    for (const snapshot of this.differ.changed(parameters)) this.snapshots.next(snapshot);
  }

  private exclusive<T>(read: () => Promise<T>): Promise<T> {
    const run = this.turn.then(read, read);
    this.turn = run.catch(() => undefined);
    return run;
  }

  complete(): void {
    this.snapshots.complete();
    this.health.complete();
    this.identity.complete();
  }
}

function deadlineError(): Error {
  return Object.assign(new Error('the list did not finish before its deadline'), { name: 'TimeoutError' });
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16);
}

/** Maps SSM error names to status reasons users can act on. */
export function classifySsmError(err: Error): string {
  if (err.name === 'StoreMemoryError') return 'StoreMemoryUnavailable';
  if (err.name === 'TimeoutError') return 'SsmTimeout';
  if (['AccessDeniedException', 'UnrecognizedClientException', 'CredentialsProviderError'].includes(err.name))
    return 'MissingPermission';
  if (['ThrottlingException', 'TooManyUpdates'].includes(err.name)) return 'SsmThrottled';
  return 'SsmUnavailable';
}
