import { createActor, type Actor } from 'xstate';
import { distinctUntilChanged, type Observable, type Subscription } from 'rxjs';
import type { KindDefinition } from '../crds-equivalent/index.js';
import type { AnyController, KindSnapshot } from './controller.js';
import { startAdminServer, type AdminServer } from './admin-server.js';
import { PollingDesiredSource, type ParameterLister, type SourceHealth } from './desired-source.js';
import { EventRecorder } from './event-recorder.js';
import type { LeaseView } from './lease/elector.js';
import type { Logger } from './logger.js';
import type { OperatorMetrics } from './metrics.js';
import { statusPath, type GatewayPaths } from './paths.js';
import { reconcileMachine, type ReconcileTiming } from './reconcile-machine.js';
import type { ReconcileReport, Reporter } from './reconcile-report.js';
import { snapshotFor } from './snapshots.js';
import { StatusHub } from './status-hub.js';
import { StatusPublisher, type StatusWriter } from './status-publisher.js';

export interface OperatorConfig {
  paths: GatewayPaths;
  instanceId: string;
  operatorVersion: string;
  pollIntervalMs: number;
  timing: ReconcileTiming;
  statusMinIntervalMs: number;
  admin?: { host: string; port: number };
}

export interface OperatorDeps {
  controllers: readonly AnyController[];
  list: ParameterLister;
  writeStatus: StatusWriter;
  logger: Logger;
  metrics: OperatorMetrics;
  clock: () => Date;
  /** Leadership per lease scope: controllers with a `lease` run only while this node holds their scope. */
  leases?: ReadonlyMap<string, Observable<LeaseView>>;
  /** Shared with the lease electors, so their events reach the same logs, /events stream and status. */
  events?: EventRecorder;
}

/** Wires the desired-state source, one reconcile machine per controller, status, events and the admin listener. */
export class Operator {
  readonly events: EventRecorder;
  readonly hub: StatusHub;
  private readonly source: PollingDesiredSource;
  private readonly publisher: StatusPublisher;
  private readonly actors = new Map<string, Actor<typeof reconcileMachine>>();
  private readonly lastSnapshots = new Map<string, KindSnapshot>();
  /** Lease-gated kinds whose lease this node does not hold: their actors are stopped and must not restart. */
  private readonly standingBy = new Set<string>();
  private readonly subscriptions: Subscription[] = [];
  private readonly abort = new AbortController();
  private pollTimer?: NodeJS.Timeout;
  private admin?: AdminServer;
  private health: SourceHealth = { ok: false, reason: 'NotListedYet', message: 'desired state not listed yet' };

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
    this.source = new PollingDesiredSource(config.paths, listedKinds(deps.controllers), deps.list, deps.clock);
    this.publisher = new StatusPublisher({
      path: statusPath(config.paths, config.instanceId),
      write: deps.writeStatus,
      minIntervalMs: config.statusMinIntervalMs,
      now: () => deps.clock().getTime(),
      onError: (err) =>
        deps.logger.warn({ err: { name: err.name, message: err.message } }, 'status publish failed; will retry'),
    });
  }

  /** Starts everything; returns the admin URL when the admin listener is enabled. */
  async start(): Promise<string | undefined> {
    for (const [scope, view$] of this.deps.leases ?? [])
      this.subscriptions.push(
        view$.subscribe((v) => {
          this.hub.setLease(scope, { held: !!v.token, holder: v.holder, epoch: v.epoch });
          this.deps.metrics.leaseHeld.set({ scope }, v.token ? 1 : 0);
          if (v.epoch !== undefined) this.deps.metrics.leaseEpoch.set({ scope }, v.epoch);
        }),
      );
    for (const controller of this.deps.controllers) this.startController(controller);
    this.subscriptions.push(
      this.events.events$.subscribe((e) =>
        this.deps.logger[e.type === 'Warning' ? 'warn' : 'info']({ event: e }, `${e.reason}: ${e.message}`),
      ),
      this.hub.status$.subscribe((s) => this.publisher.offer(s)),
      this.source.snapshots$.subscribe((snapshot) => {
        this.lastSnapshots.set(snapshot.kind, snapshot);
        for (const c of this.deps.controllers) {
          const own = c.kind.kind === snapshot.kind;
          if (!own && !c.watches?.some((w) => w.kind === snapshot.kind)) continue;
          const composed = snapshotFor(c, this.lastSnapshots);
          if (composed) this.actors.get(c.kind.kind)?.send({ type: 'DESIRED_CHANGED', snapshot: composed });
        }
      }),
      this.source.health$
        .pipe(distinctUntilChanged((a, b) => a.ok === b.ok && a.reason === b.reason))
        .subscribe((h) => this.onHealthChange(h)),
      this.source.health$.subscribe((h) => void (this.health = h)),
    );
    if (this.config.admin)
      this.admin = await startAdminServer(this.adminSources(), this.config.admin.host, this.config.admin.port);
    await this.poll();
    return this.admin?.url;
  }

  /**
   * Stops polling and every controller (aborting in-flight stages) but keeps status and events flowing, so what
   * happens next (leases released on shutdown) is still reported. stop() calls it too.
   */
  stopControllers(): void {
    clearTimeout(this.pollTimer);
    this.abort.abort(new Error('operator stopping'));
    for (const actor of this.actors.values()) actor.stop();
  }

  async stop(): Promise<void> {
    this.stopControllers();
    await Promise.all(this.deps.controllers.map((c) => this.shutdownController(c)));
    await this.publisher.flush();
    this.publisher.stop();
    for (const s of this.subscriptions) s.unsubscribe();
    this.source.complete();
    this.events.complete();
    await this.admin?.close();
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
    if (controller.changes$)
      this.subscriptions.push(
        controller.changes$.subscribe(() => this.actors.get(kind)?.send({ type: 'OBSERVE_NOW' })),
      );
    const report = fanOut(
      this.hub.register(kind, controller.kind.singletonName),
      this.deps.metrics.reporter(kind),
      logReports(log),
    );
    const scope = controller.lease?.scope;
    if (scope === undefined) return void this.spawn(controller, report, log);
    const view$ = this.deps.leases?.get(scope);
    if (!view$) throw new Error(`${kind} needs the ${scope} lease, and no elector runs for it`);
    this.subscriptions.push(
      view$.subscribe((view) => (view.token ? this.lead(controller, report, log) : this.standBy(kind, report, view))),
    );
  }

  /** This node took the scope's lease: start the controller with the latest desired state. */
  private lead(controller: AnyController, report: Reporter, log: Logger): void {
    const kind = controller.kind.kind;
    this.standingBy.delete(kind);
    // Once stopping, a lease won meanwhile starts nothing: it is about to be released.
    if (!this.actors.has(kind) && !this.abort.signal.aborted) this.restart(controller, report, log);
  }

  /** Stopping the actor aborts its in-flight stage; the lease guard refuses any write that still tries. */
  private standBy(kind: string, report: Reporter, view: LeaseView): void {
    this.standingBy.add(kind);
    this.actors.get(kind)?.stop();
    this.actors.delete(kind);
    report({ type: 'standby', scope: view.scope, holder: view.holder });
  }

  /**
   * The guard rail around a controller: a bug that throws inside the machine (not a failed stage, which the machine
   * handles) stops that actor, so it is reported and restarted with the latest desired state after a pause.
   */
  private spawn(controller: AnyController, report: Reporter, log: Logger): Actor<typeof reconcileMachine> {
    const kind = controller.kind.kind;
    const actor = createActor(reconcileMachine, { input: { controller, timing: this.config.timing, report } });
    actor.subscribe({
      error: (err) => {
        log.error({ err }, 'reconcile machine crashed; restarting');
        this.events.record({
          type: 'Warning',
          reason: 'ControllerCrashed',
          message: err instanceof Error ? err.message : String(err),
          object: { kind, name: controller.kind.singletonName ?? '-' },
        });
        this.actors.delete(kind);
        if (this.abort.signal.aborted) return;
        setTimeout(() => this.restartAfterCrash(controller, report, log), this.config.timing.backoffMaxMs).unref();
      },
    });
    this.actors.set(kind, actor);
    actor.start();
    return actor;
  }

  private restartAfterCrash(controller: AnyController, report: Reporter, log: Logger): void {
    const kind = controller.kind.kind;
    if (this.abort.signal.aborted || this.actors.has(kind) || this.standingBy.has(kind)) return;
    this.restart(controller, report, log);
  }

  private restart(controller: AnyController, report: Reporter, log: Logger): void {
    const actor = this.spawn(controller, report, log);
    const snapshot = snapshotFor(controller, this.lastSnapshots);
    if (snapshot) actor.send({ type: 'DESIRED_CHANGED', snapshot });
  }

  /** Polls forever at a fixed rate; a failed list is reported through health and retried on the next tick. */
  private async poll(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const started = Date.now();
    await this.source.resync(this.abort.signal);
    // Fixed rate: the list's own duration (many pages against real SSM) must not stretch the poll interval.
    const wait = Math.max(0, this.config.pollIntervalMs - (Date.now() - started));
    if (!this.abort.signal.aborted) this.pollTimer = setTimeout(() => void this.poll(), wait);
  }

  private onHealthChange(health: SourceHealth): void {
    const object = { kind: 'DesiredStateSource', name: this.config.paths.specRoot };
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

  private adminSources(): Parameters<typeof startAdminServer>[0] {
    return {
      status: () => ({ ...this.hub.snapshot(), source: this.health }),
      ready: () => {
        const reasons = [
          ...(this.health.lastSuccessAt ? [] : [`desired state: ${this.health.message}`]),
          ...(this.hub.allReconciled() ? [] : ['controllers have not reconciled yet']),
        ];
        return { ready: reasons.length === 0, reasons };
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
