import { distinctUntilChanged, type Observable, type Subscription } from 'rxjs';
import type { KindDefinition } from '../crds-equivalent/index.js';
import type { AnyController, KindSnapshot } from './controller.js';
import { startAdminServer, type AdminServer } from './admin-server.js';
import { ControllerActors } from './controller-actors.js';
import { DesiredPoller, type Freshness } from './desired-poller.js';
import { PollingDesiredSource, type ParameterLister, type SourceHealth } from './desired-source.js';
import { EventRecorder } from './event-recorder.js';
import type { ChangeFeed } from './change-events/feed.js';
import { createChangeFeed } from './change-events/wiring.js';
import type { ChangeQueuePort } from './change-events/ports.js';
import type { FeedState, WatcherTiming } from './change-events/watcher.js';
import type { LeaseView } from './lease/elector.js';
import type { Logger } from './logger.js';
import type { OperatorMetrics } from './metrics.js';
import { statusPath, type GatewayPaths } from './paths.js';
import type { ReconcileTiming } from './reconcile-machine.js';
import type { ReconcileReport, Reporter } from './reconcile-report.js';
import { snapshotFor } from './snapshots.js';
import { StatusHub } from './status-hub.js';
import { StatusPublisher, type StatusWriter } from './status-publisher.js';
import type { SourceIdentity, StoreGuard } from './store-guard.js';

export interface OperatorConfig {
  paths: GatewayPaths;
  instanceId: string;
  operatorVersion: string;
  pollIntervalMs: number;
  /**
   * The desired source is stale (SourceStale, /readyz 503) past this age of its last successful list; a list is
   * abandoned after as long, so a hung endpoint cannot hold the poll loop.
   */
  staleAfterMs: number;
  /** While change events flow (push healthy) the full list is only a safety net: this interval and bound apply. */
  push?: { pollIntervalMs: number; staleAfterMs: number; watcher: WatcherTiming };
  timing: ReconcileTiming;
  statusMinIntervalMs: number;
  admin?: { host: string; port: number };
}

export interface OperatorDeps {
  controllers: readonly AnyController[];
  list: ParameterLister;
  /** Vouches for each listing: an unrecognised store removes nothing. */
  guard: StoreGuard;
  writeStatus: StatusWriter;
  logger: Logger;
  metrics: OperatorMetrics;
  clock: () => Date;
  /** Leadership per lease scope: controllers with a `lease` run only while this node holds their scope. */
  leases?: ReadonlyMap<string, Observable<LeaseView>>;
  /** Shared with the lease electors, so their events reach the same logs, /events stream and status. */
  events?: EventRecorder;
  /** The queue of SSM change events; without it (or config.push) the full list is the only mechanism. */
  changes?: ChangeQueuePort;
}

/** Wires the desired-state source, one reconcile machine per controller, status, events and the admin listener. */
export class Operator {
  readonly events: EventRecorder;
  readonly hub: StatusHub;
  private readonly source: PollingDesiredSource;
  private readonly poller: DesiredPoller;
  private readonly feed?: ChangeFeed;
  private feedState: FeedState = {
    mechanism: 'polling',
    reason: 'PushDisabled',
    message: 'no change queue configured: desired state is listed every poll interval',
  };
  private readonly publisher: StatusPublisher;
  private readonly actors: ControllerActors;
  private readonly lastSnapshots = new Map<string, KindSnapshot>();
  private readonly subscriptions: Subscription[] = [];
  private readonly abort = new AbortController();
  private admin?: AdminServer;
  private identity?: SourceIdentity;

  constructor(
    private readonly config: OperatorConfig,
    private readonly deps: OperatorDeps,
  ) {
    this.events = deps.events ?? new EventRecorder(config.instanceId, deps.clock);
    this.hub = new StatusHub({
      instanceId: config.instanceId,
      gateway: config.paths.root,
      operatorVersion: config.operatorVersion,
      clock: deps.clock,
      events: this.events,
    });
    const kinds = listedKinds(deps.controllers);
    this.source = new PollingDesiredSource(config.paths, kinds, deps.list, deps.clock, deps.guard);
    this.poller = new DesiredPoller(
      this.source,
      { pollIntervalMs: config.pollIntervalMs, staleAfterMs: config.staleAfterMs },
      () => deps.clock().getTime(),
      deps.metrics.registry,
      (f) => this.onFreshness(f),
    );
    this.feed = this.feedFor(kinds);
    this.publisher = new StatusPublisher({
      path: statusPath(config.paths, config.instanceId),
      write: deps.writeStatus,
      minIntervalMs: config.statusMinIntervalMs,
      now: () => deps.clock().getTime(),
      onError: (err) =>
        deps.logger.warn({ err: { name: err.name, message: err.message } }, 'status publish failed; will retry'),
      onWrite: deps.metrics.recordStatusWrite,
    });
    this.actors = new ControllerActors({
      timing: config.timing,
      events: this.events,
      lastSnapshots: this.lastSnapshots,
      ...(deps.leases ? { leases: deps.leases } : {}),
      signal: this.abort.signal,
    });
  }

  /** Starts everything; returns the admin URL when the admin listener is enabled. */
  async start(): Promise<string | undefined> {
    this.watchLeases();
    for (const controller of this.deps.controllers) this.startController(controller);
    this.subscriptions.push(
      this.events.events$.subscribe((e) =>
        this.deps.logger[e.type === 'Warning' ? 'warn' : 'info']({ event: e }, `${e.reason}: ${e.message}`),
      ),
      this.hub.status$.subscribe((s) => this.publisher.offer(s)),
      this.source.snapshots$.subscribe((snapshot) => this.dispatch(snapshot)),
      this.source.health$
        .pipe(distinctUntilChanged((a, b) => a.ok === b.ok && a.reason === b.reason))
        .subscribe((h) => this.onHealthChange(h)),
      this.source.identity$.subscribe((i) => this.onIdentity(i)),
      this.deps.guard.events$.subscribe((e) => this.events.record({ ...e, object: this.sourceObject() })),
    );
    if (this.config.admin)
      this.admin = await startAdminServer(this.adminSources(), this.config.admin.host, this.config.admin.port);
    if (this.feed) this.feed.start(this.abort.signal);
    else this.onFeedState(this.feedState);
    await this.poller.start(this.abort.signal);
    return this.admin?.url;
  }

  /**
   * Stops polling and every controller (aborting in-flight stages) but keeps status and events flowing, so what
   * happens next (leases released on shutdown) is still reported. stop() calls it too.
   */
  stopControllers(): void {
    this.poller.stop();
    this.feed?.stop();
    this.abort.abort(new Error('operator stopping'));
    this.actors.stopActors();
  }

  async stop(): Promise<void> {
    this.stopControllers();
    await Promise.all(this.deps.controllers.map((c) => this.shutdownController(c)));
    await this.publisher.flush();
    this.publisher.stop();
    this.actors.dispose();
    for (const s of this.subscriptions) s.unsubscribe();
    this.source.complete();
    this.events.complete();
    await this.admin?.close();
  }

  private watchLeases(): void {
    for (const [scope, view$] of this.deps.leases ?? [])
      this.subscriptions.push(
        view$.subscribe((v) => {
          this.hub.setLease(scope, { held: !!v.token, holder: v.holder, epoch: v.epoch });
          this.deps.metrics.leaseHeld.set({ scope }, v.token ? 1 : 0);
          if (v.epoch !== undefined) this.deps.metrics.leaseEpoch.set({ scope }, v.epoch);
        }),
      );
  }

  /** A kind's new snapshot goes to its own controller and to every controller watching it. */
  private dispatch(snapshot: KindSnapshot): void {
    this.lastSnapshots.set(snapshot.kind, snapshot);
    for (const c of this.deps.controllers) {
      const own = c.kind.kind === snapshot.kind;
      if (!own && !c.watches?.some((w) => w.kind === snapshot.kind)) continue;
      const composed = snapshotFor(c, this.lastSnapshots);
      if (composed) this.actors.send(c.kind.kind, composed);
    }
  }

  private async shutdownController(controller: AnyController): Promise<void> {
    try {
      await controller.shutdown?.();
    } catch (err) {
      this.deps.logger.warn({ err, controller: controller.kind.kind }, 'controller shutdown failed');
    }
  }

  private startController(controller: AnyController): void {
    const kind = controller.kind.kind;
    const log = this.deps.logger.child({ controller: kind, kind });
    const report = fanOut(
      this.hub.register(kind, controller.kind.singletonName),
      this.deps.metrics.reporter(kind),
      logReports(log),
    );
    this.actors.run(controller, report, log);
  }

  private sourceObject(): { kind: string; name: string } {
    return { kind: 'DesiredStateSource', name: this.config.paths.specRoot };
  }

  private onHealthChange(health: SourceHealth): void {
    const object = this.sourceObject();
    if (!health.ok && health.reason !== 'NotListedYet')
      this.events.record({
        type: 'Warning',
        reason: health.reason,
        message: `cannot list desired state: ${health.message}`,
        object,
      });
    else if (health.ok)
      this.events.record({ type: 'Normal', reason: 'DesiredStateListed', message: health.message, object });
  }

  /** Stale: every controller says so (Degraded SourceStale) and keeps what it runs; the data plane is untouched. */
  private onFreshness(f: Freshness): void {
    this.hub.setSourceProblem('freshness', f.stale ? { reason: 'SourceStale', message: f.message } : undefined);
    this.events.record({
      type: f.stale ? 'Warning' : 'Normal',
      reason: f.stale ? 'SourceStale' : 'SourceFresh',
      message: f.message,
      object: this.sourceObject(),
    });
  }

  private feedFor(kinds: readonly KindDefinition[]): ChangeFeed | undefined {
    const { changes, metrics, logger } = this.deps;
    const push = this.config.push;
    if (!changes || !push) return undefined;
    return createChangeFeed(
      { ...this.config, push },
      {
        kinds,
        source: this.source,
        poller: this.poller,
        queue: changes,
        registry: metrics.registry,
        logger,
        onState: (state) => this.onFeedState(state),
      },
    );
  }

  /** Push or polling is an operator-wide fact: one short field of the status document, and an event when it turns. */
  private onFeedState(state: FeedState): void {
    this.feedState = state;
    this.hub.setChanges(
      state.mechanism === 'push' ? { mechanism: 'push' } : { mechanism: 'polling', reason: state.reason },
    );
    if (state.mechanism === 'polling' && state.reason === 'PushStarting') return;
    const every = `${Math.round(this.poller.intervalMs() / 1000)} s`;
    const object = this.sourceObject();
    this.events.record(
      state.mechanism === 'push'
        ? {
            type: 'Normal',
            reason: 'ChangeEventsFlowing',
            message: `change events flow: full list every ${every}`,
            object,
          }
        : {
            type: state.reason === 'PushDisabled' ? 'Normal' : 'Warning',
            reason: state.reason,
            message: `${state.message}; polling every ${every}`,
            object,
          },
    );
  }

  private onIdentity(identity: SourceIdentity): void {
    this.identity = identity;
    this.hub.setSourceProblem(
      'identity',
      identity.state === 'unrecognized' ? { reason: 'SourceUnrecognized', message: identity.message } : undefined,
    );
  }

  private adminSources(): Parameters<typeof startAdminServer>[0] {
    return {
      status: () => ({ ...this.hub.snapshot(), source: { ...this.source.currentHealth(), identity: this.identity } }),
      ready: () => {
        const published = this.publisher.health();
        const reasons = [
          ...this.poller.notReadyReasons(),
          ...(published.ok ? [] : [`status not published: ${published.message}`]),
          ...(this.hub.allReconciled() ? [] : ['controllers have not reconciled yet']),
        ];
        return { ready: reasons.length === 0, reasons, details: { changes: this.feedState } };
      },
      recentEvents: () => this.events.list(),
      events$: this.events.events$,
      registry: this.deps.metrics.registry,
    };
  }
}

/**
 * The kinds to list: every controller's own and the ones they watch, each once. Watched kinds come first, so a first
 * listing hands a controller the resources its spec refers to together with the spec itself.
 */
function listedKinds(controllers: readonly AnyController[]): KindDefinition[] {
  const all = controllers.flatMap((c) => [...(c.watches ?? []), c.kind]);
  return all.filter((k, i) => all.findIndex((x) => x.kind === k.kind) === i);
}

function fanOut(...reporters: Reporter[]): Reporter {
  return (report) => reporters.forEach((r) => r(report));
}

/**
 * Logs every report with the resource it concerns and a reconcile id that increments each pass, so one pass's
 * lines group together. Verdicts are info/warn; phases are debug.
 */
function logReports(log: Logger): Reporter {
  let reconcileId = 0;
  let resource: { name?: string; generation?: number } = {};
  return (report: ReconcileReport) => {
    if (report.type === 'phase' && report.phase === 'observing') reconcileId += 1;
    if ('desired' in report && report.desired)
      resource = { name: report.desired.name, generation: report.desired.generation };
    const fields = { reconcileId, ...resource };
    if (report.type === 'phase') return log.debug({ ...fields, phase: report.phase }, 'phase');
    const reason = 'reason' in report ? report.reason : undefined;
    if (report.type === 'failed' || report.type === 'inert')
      log.warn(
        { ...fields, stage: 'stage' in report ? report.stage : undefined, reason },
        `${report.type}: ${report.message}`,
      );
    else log.debug({ ...fields, report: report.type, reason }, report.type);
  };
}
