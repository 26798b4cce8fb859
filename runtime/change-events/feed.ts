import type { KindDefinition } from '../../crds-equivalent/index.js';
import type { DesiredPoller, PollerTiming } from '../desired-poller.js';
import type { PollingDesiredSource } from '../desired-source.js';
import { parseSpecPath, type GatewayPaths } from '../paths.js';
import type { ParameterChange } from './decode.js';
import type { ChangeFeedMetrics, EventResult } from './metrics.js';
import type { ChangeQueuePort } from './ports.js';
import { ChangeWatcher, type FeedState, type WatcherTiming } from './watcher.js';

export interface ChangeFeedTiming {
  /** Full lists while push is healthy (the safety net), and while it is not (the mechanism). */
  push: PollerTiming;
  polling: PollerTiming;
  watcher: WatcherTiming;
  /** Hints arriving within this window are read together: a burst of edits to one kind costs one read. */
  coalesceMs: number;
  /** Deadline of one kind re-read. */
  rereadTimeoutMs: number;
}

export interface ChangeFeedDeps {
  paths: GatewayPaths;
  kinds: readonly KindDefinition[];
  source: PollingDesiredSource;
  poller: DesiredPoller;
  queue: ChangeQueuePort;
  timing: ChangeFeedTiming;
  metrics: ChangeFeedMetrics;
  onState(state: FeedState): void;
  /** A re-read or delete that failed: logged, never fatal (the next full list covers it). */
  onError(what: string, err: Error): void;
}

/**
 * Turns change events into re-reads: an event about one of our kinds re-reads that kind's path, one about anything
 * else under the spec root (the store marker, an unknown kind) asks for a full list. Events are hints only: what
 * the re-read finds, by SSM version, decides, so lost, repeated or reordered events change nothing.
 */
export class ChangeFeed {
  private readonly metrics: ChangeFeedMetrics;
  private readonly watcher: ChangeWatcher;
  private readonly pendingKinds = new Set<string>();
  private pendingFull = false;
  private flushTimer?: NodeJS.Timeout;
  private state: FeedState = { mechanism: 'polling', reason: 'PushStarting', message: 'change queue not read yet' };
  private signal?: AbortSignal;

  constructor(private readonly deps: ChangeFeedDeps) {
    this.metrics = deps.metrics;
    this.watcher = new ChangeWatcher({
      queue: deps.queue,
      timing: deps.timing.watcher,
      onChange: (c) => this.hint(c),
      onEvent: (result) => this.metrics.events.inc({ result }),
      onState: (s) => this.setState(s),
      onDeleteFailed: (err) => deps.onError('delete of handled change events failed', err),
    });
  }

  currentState(): FeedState {
    return this.state;
  }

  /** Runs until the signal aborts; the initial state (PushStarting) is reported at once. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    this.deps.onState(this.state);
    void this.watcher.run(signal);
  }

  stop(): void {
    clearTimeout(this.flushTimer);
  }

  private hint(change: ParameterChange): EventResult {
    const { paths, kinds } = this.deps;
    if (!change.name.startsWith(`${paths.specRoot}/`)) return 'ignored';
    const plural = parseSpecPath(paths, change.name)?.plural;
    const kind = kinds.find((k) => k.plural === plural);
    if (kind) this.pendingKinds.add(kind.kind);
    else this.pendingFull = true;
    this.flushTimer ??= setTimeout(() => void this.flush(), this.deps.timing.coalesceMs);
    return 'hint';
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const signal = this.signal;
    if (!signal || signal.aborted) return;
    if (this.pendingFull) {
      this.pendingFull = false;
      this.pendingKinds.clear();
      this.metrics.rereads.inc({ scope: 'full', result: 'requested' });
      return this.deps.poller.listNow();
    }
    const kinds = [...this.pendingKinds];
    this.pendingKinds.clear();
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.deps.timing.rereadTimeoutMs)]);
    const result = await this.deps.source.refreshKinds(kinds, deadline);
    const failed = result instanceof Error;
    this.metrics.rereads.inc({ scope: 'kind', result: failed ? 'failed' : (result ?? 'ok') }, kinds.length);
    if (signal.aborted || result === undefined) return;
    if (failed) this.deps.onError(`re-read of ${kinds.join(', ')} failed`, result);
    // No listing to patch yet, or a failed read: a full list now, whose outcome health and /readyz report.
    this.deps.poller.listNow();
  }

  private setState(state: FeedState): void {
    const recovered =
      state.mechanism === 'push' && this.state.mechanism === 'polling' && this.state.reason !== 'PushStarting';
    this.state = state;
    this.metrics.setMechanism(state.mechanism);
    const { push, polling } = this.deps.timing;
    // Back from an outage: events sent meanwhile are lost, so one full list now.
    this.deps.poller.setTiming(state.mechanism === 'push' ? push : polling, recovered);
    this.deps.onState(state);
  }
}
