import { createActor, type Actor } from 'xstate';
import type { Observable, Subscription } from 'rxjs';
import type { AnyController, KindSnapshot } from './controller.js';
import type { EventRecorder } from './event-recorder.js';
import type { LeaseView } from './lease/elector.js';
import type { Logger } from './logger.js';
import { reconcileMachine, type ReconcileTiming } from './reconcile-machine.js';
import type { Reporter } from './reconcile-report.js';
import { snapshotFor } from './snapshots.js';

export interface ControllerActorsDeps {
  timing: ReconcileTiming;
  events: EventRecorder;
  /** The latest snapshot of every listed kind: a (re)started actor begins from it. */
  lastSnapshots: ReadonlyMap<string, KindSnapshot>;
  leases?: ReadonlyMap<string, Observable<LeaseView>>;
  signal: AbortSignal;
}

/**
 * One reconcile actor per controller: started at once, or only while this node holds the controller's lease
 * scope, and restarted after a crash. The guard rail lives here, not in controller code.
 */
export class ControllerActors {
  private readonly actors = new Map<string, Actor<typeof reconcileMachine>>();
  /** Lease-gated kinds whose lease this node does not hold: their actors are stopped and must not restart. */
  private readonly standingBy = new Set<string>();
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly deps: ControllerActorsDeps) {}

  run(controller: AnyController, report: Reporter, log: Logger): void {
    const kind = controller.kind.kind;
    if (controller.changes$)
      this.subscriptions.push(
        controller.changes$.subscribe(() => this.actors.get(kind)?.send({ type: 'OBSERVE_NOW' })),
      );
    if (controller.events$)
      this.subscriptions.push(
        controller.events$.subscribe((e) =>
          this.deps.events.record({
            type: e.type,
            reason: e.reason,
            message: e.message,
            object: { kind, name: e.resource ?? controller.kind.singletonName ?? '-' },
          }),
        ),
      );
    const scope = controller.lease?.scope;
    if (scope === undefined) return void this.spawn(controller, report, log);
    const view$ = this.deps.leases?.get(scope);
    if (!view$) throw new Error(`${kind} needs the ${scope} lease, and no elector runs for it`);
    this.subscriptions.push(
      view$.subscribe((view) => (view.token ? this.lead(controller, report, log) : this.standBy(kind, report, view))),
    );
  }

  send(kind: string, snapshot: KindSnapshot): void {
    this.actors.get(kind)?.send({ type: 'DESIRED_CHANGED', snapshot });
  }

  /** Stops every actor (aborting in-flight stages); lease changes are still reported until dispose(). */
  stopActors(): void {
    for (const actor of this.actors.values()) actor.stop();
  }

  dispose(): void {
    this.stopActors();
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** This node took the scope's lease: start the controller with the latest desired state. */
  private lead(controller: AnyController, report: Reporter, log: Logger): void {
    const kind = controller.kind.kind;
    this.standingBy.delete(kind);
    // Once stopping, a lease won meanwhile starts nothing: it is about to be released.
    if (!this.actors.has(kind) && !this.deps.signal.aborted) this.restart(controller, report, log);
  }

  /** Stopping the actor aborts its in-flight stage; the lease guard refuses any write that still tries. */
  private standBy(kind: string, report: Reporter, view: LeaseView): void {
    this.standingBy.add(kind);
    this.actors.get(kind)?.stop();
    this.actors.delete(kind);
    report({ type: 'standby', scope: view.scope, holder: view.holder });
  }

  /**
   * A bug that throws inside the machine (not a failed stage, which the machine handles) stops that actor, so it
   * is reported and restarted with the latest desired state after a pause.
   */
  private spawn(controller: AnyController, report: Reporter, log: Logger): Actor<typeof reconcileMachine> {
    const kind = controller.kind.kind;
    const actor = createActor(reconcileMachine, { input: { controller, timing: this.deps.timing, report } });
    actor.subscribe({
      error: (err) => {
        log.error({ err }, 'reconcile machine crashed; restarting');
        this.deps.events.record({
          type: 'Warning',
          reason: 'ControllerCrashed',
          message: err instanceof Error ? err.message : String(err),
          object: { kind, name: controller.kind.singletonName ?? '-' },
        });
        this.actors.delete(kind);
        if (this.deps.signal.aborted) return;
        setTimeout(() => this.restartAfterCrash(controller, report, log), this.deps.timing.backoffMaxMs).unref();
      },
    });
    this.actors.set(kind, actor);
    actor.start();
    return actor;
  }

  private restartAfterCrash(controller: AnyController, report: Reporter, log: Logger): void {
    const kind = controller.kind.kind;
    if (this.deps.signal.aborted || this.actors.has(kind) || this.standingBy.has(kind)) return;
    this.restart(controller, report, log);
  }

  private restart(controller: AnyController, report: Reporter, log: Logger): void {
    const actor = this.spawn(controller, report, log);
    const snapshot = snapshotFor(controller, this.deps.lastSnapshots);
    if (snapshot) actor.send({ type: 'DESIRED_CHANGED', snapshot });
  }
}
