import { BehaviorSubject, type Observable } from 'rxjs';
import { findCondition, setCondition, type ConditionUpdate } from './conditions.js';
import type { ConditionInput, DesiredState } from './controller.js';
import type { EventInput, EventRecorder } from './event-recorder.js';
import type { ReconcileReport, Reporter } from './reconcile-report.js';
import type { ChangesStatus, ControllerStatus, InstanceStatus, LeaseStatus } from './status-types.js';

export interface StatusHubOptions {
  instanceId: string;
  gateway: string;
  operatorVersion: string;
  clock: () => Date;
  events: EventRecorder;
}

/** Records an event about the controller's resource, or about `resource` of its kind when given. */
type EventSink = (e: Omit<EventInput, 'object'>, resource?: string) => void;

/** Folds every controller's reconcile reports into Kubernetes-style status and events. */
export class StatusHub {
  private readonly controllers = new Map<string, ControllerStatus>();
  /** Invalid generations waiting for a valid one, per kind: they keep Degraded=True while the last good runs. */
  private readonly invalid = new Map<string, { generation: number; message: string }>();
  private readonly lastDrift = new Set<string>();
  /** What probing found (mechanism choices): kept apart so each converged pass can replace the other details. */
  private readonly probeDetails = new Map<string, Record<string, unknown>>();
  private readonly defaultNames = new Map<string, string>();
  private readonly leases = new Map<string, LeaseStatus>();
  private changes?: ChangesStatus;
  /** Problems of the desired-state source (stale, unrecognised): every controller shows them as Degraded. */
  private readonly sourceProblems = new Map<string, { reason: string; message: string; since: string }>();
  private readonly subject: BehaviorSubject<InstanceStatus>;
  readonly status$: Observable<InstanceStatus>;

  constructor(private readonly opts: StatusHubOptions) {
    this.subject = new BehaviorSubject(this.snapshot());
    this.status$ = this.subject.asObservable();
  }

  /** defaultName names the object of events emitted before any resource is known (a singleton's name). */
  register(kind: string, defaultName = '-'): Reporter {
    this.defaultNames.set(kind, defaultName);
    this.controllers.set(kind, {
      kind,
      phase: 'starting',
      conditions: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'Initializing',
          message: 'not reconciled yet',
          lastTransitionTime: this.now(),
        },
      ],
      details: {},
    });
    this.subject.next(this.snapshot());
    return (report) => this.handle(kind, report);
  }

  snapshot(): InstanceStatus {
    return {
      instanceId: this.opts.instanceId,
      gateway: this.opts.gateway,
      operatorVersion: this.opts.operatorVersion,
      updatedAt: this.now(),
      controllers: Object.fromEntries([...this.controllers].map(([k, c]) => [k, this.withSourceProblems(c)])),
      leases: Object.fromEntries(this.leases),
      ...(this.changes ? { changes: this.changes } : {}),
    };
  }

  /** Sets (or clears, with undefined) one source problem; it overrides every controller's Degraded while set. */
  setSourceProblem(key: string, problem: { reason: string; message: string } | undefined): void {
    const existing = this.sourceProblems.get(key);
    if (problem) this.sourceProblems.set(key, { ...problem, since: existing?.since ?? this.now() });
    else if (existing) this.sourceProblems.delete(key);
    else return;
    this.subject.next(this.snapshot());
  }

  setChanges(changes: ChangesStatus): void {
    this.changes = changes;
    this.subject.next(this.snapshot());
  }

  setLease(scope: string, lease: LeaseStatus): void {
    this.leases.set(scope, lease);
    this.subject.next(this.snapshot());
  }

  /** Ready when every controller has reached a verdict (converged or failed), so /readyz means "reconciled once". */
  allReconciled(): boolean {
    return [...this.controllers.values()].every((c) =>
      c.conditions.some((x) => x.type === 'Ready' && x.reason !== 'Initializing'),
    );
  }

  private now(): string {
    return this.opts.clock().toISOString();
  }

  /** The controller's status as published: a source problem shows as Degraded, its own conditions otherwise. */
  private withSourceProblems(status: ControllerStatus): ControllerStatus {
    const problems = [...this.sourceProblems.values()];
    const first = problems[0];
    if (!first) return status;
    const degraded = {
      type: 'Degraded',
      status: 'True' as const,
      reason: first.reason,
      message: problems.map((p) => p.message).join('; '),
      lastTransitionTime: first.since,
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    };
    const others = status.conditions.filter((c) => c.type !== 'Degraded');
    return { ...status, conditions: [...others, degraded] };
  }

  private handle(kind: string, report: ReconcileReport): void {
    const status = this.controllers.get(kind);
    if (!status) return;
    if (report.type === 'phase') {
      status.phase = report.phase;
      return; // phases change every pass; they are visible live but do not count as a status change
    }
    this.apply(kind, status, report);
    this.subject.next(this.snapshot());
  }

  private apply(kind: string, status: ControllerStatus, report: Exclude<ReconcileReport, { type: 'phase' }>): void {
    // The object is read when the event is recorded: handlers below may first learn the resource's name. An event
    // about one resource of a multi-resource kind (a rejection) names that resource, not the controller's current one.
    const event = (e: Omit<EventInput, 'object'>, resource?: string): void =>
      void this.opts.events.record({
        ...e,
        object: { kind, name: resource ?? status.name ?? this.defaultNames.get(kind) ?? '-' },
      });
    const set = (update: ConditionUpdate): void =>
      void (status.conditions = setCondition(status.conditions, update, this.now()));
    switch (report.type) {
      case 'adopted':
        return this.adopted(kind, status, report.desired);
      case 'ignored':
        return event({ type: 'Warning', reason: 'Ignored', message: `${report.name}: ${report.reason}` }, report.name);
      case 'invalidSpec':
        return this.invalidSpec(kind, status, report, set, event);
      case 'standby':
        return this.standby(status, report, set);
      case 'probed':
        this.probeDetails.set(kind, report.details);
        status.details = { ...report.details };
        return event({ type: 'Normal', reason: 'FeatureProbed', message: JSON.stringify(report.details) });
      case 'inert':
        set({
          type: 'Ready',
          status: 'False',
          reason: report.reason,
          message: `${report.message} (retry in ${Math.round(report.retryInMs / 1000)}s)`,
          ...gen(status),
        });
        set({ type: 'Progressing', status: 'False', reason: report.reason, message: report.message, ...gen(status) });
        return event({ type: 'Warning', reason: report.reason, message: report.message });
      case 'drift':
        this.lastDrift.add(kind);
        return event({ type: 'Warning', reason: 'DriftDetected', message: report.actions.join('; ') });
      case 'applying':
        set({
          type: 'Progressing',
          status: 'True',
          reason: 'Applying',
          message: report.actions.join('; '),
          ...gen(report.desired),
        });
        return event({ type: 'Normal', reason: 'Applying', message: report.actions.join('; ') });
      case 'converged':
        return this.converged(kind, status, report, set, event);
      case 'failed':
        set({
          type: 'Ready',
          status: 'False',
          reason: report.reason,
          message: `${report.message} (attempt ${report.attempt}, retry in ${report.retryInMs} ms)`,
          ...gen(status),
        });
        set({ type: 'Progressing', status: 'False', reason: report.reason, message: report.message, ...gen(status) });
        return event({ type: 'Warning', reason: report.reason, message: `${report.stage}: ${report.message}` });
    }
  }

  private standby(
    status: ControllerStatus,
    report: Extract<ReconcileReport, { type: 'standby' }>,
    set: (u: ConditionUpdate) => void,
  ): void {
    status.phase = 'standby';
    const holder = report.holder ? `held by ${report.holder}` : 'not held by anyone yet';
    const message = `the ${report.scope} lease is ${holder}; this instance stands by`;
    set({ type: 'Ready', status: 'True', reason: 'Standby', message, ...gen(status) });
    set({ type: 'Progressing', status: 'False', reason: 'Standby', message, ...gen(status) });
  }

  private adopted(kind: string, status: ControllerStatus, desired: DesiredState<unknown>): void {
    const invalid = this.invalid.get(kind);
    if (invalid && (desired.generation === undefined || desired.generation >= invalid.generation))
      this.invalid.delete(kind);
    if (desired.name) status.name = desired.name;
    else delete status.name;
  }

  private invalidSpec(
    kind: string,
    status: ControllerStatus,
    report: Extract<ReconcileReport, { type: 'invalidSpec' }>,
    set: (u: ConditionUpdate) => void,
    event: EventSink,
  ): void {
    const message = report.errors.join('; ');
    this.invalid.set(kind, { generation: report.generation, message });
    status.name = report.name;
    const invalid = { generation: report.generation, message };
    set(report.keepsLastGood ? invalidSpecDegraded(invalid, status.observedGeneration) : invalidSpecNotReady(invalid));
    event({ type: 'Warning', reason: 'InvalidSpec', message: `generation ${report.generation}: ${message}` });
  }

  private converged(
    kind: string,
    status: ControllerStatus,
    report: Extract<ReconcileReport, { type: 'converged' }>,
    set: (u: ConditionUpdate) => void,
    event: EventSink,
  ): void {
    const { desired } = report;
    status.observedGeneration = desired.generation;
    if (desired.generation === undefined) delete status.observedGeneration;
    status.details = { ...this.probeDetails.get(kind), ...report.details };
    const invalid = this.invalid.get(kind);
    const what = desired.name
      ? `generation ${desired.generation} applied`
      : invalid
        ? `generation ${invalid.generation} is invalid: nothing applied from it`
        : `no ${kind} resource: nothing owned`;
    const prior = new Map(status.conditions.map((c) => [c.type, c.status]));
    const extra = report.conditions ?? [];
    // Converged on owning nothing while a resource exists whose every generation so far is invalid: not ready.
    if (invalid && desired.name === undefined) set(invalidSpecNotReady(invalid));
    else {
      const ready = extra.find((c) => c.type === 'Ready');
      set({
        type: 'Ready',
        status: 'True',
        reason: readyReason(status, report),
        message: what,
        ...ready,
        ...gen(desired),
      });
    }
    set({ type: 'Progressing', status: 'False', reason: 'Converged', message: what, ...gen(desired) });
    set(degraded(report, invalid && desired.name !== undefined ? invalid : undefined));
    for (const w of report.warnings) event({ type: 'Warning', reason: w.reason, message: w.message }, w.resource);
    controllerConditions(extra, prior, (c) => set({ ...c, ...gen(desired) }), event);
    if (!report.applied) return;
    const drift = this.lastDrift.delete(kind);
    event({ type: 'Normal', reason: drift ? 'DriftRepaired' : 'Applied', message: what });
  }
}

/** Degraded after a converged pass: a rejected generation, else the controller's warnings, else none. */
function degraded(
  report: Extract<ReconcileReport, { type: 'converged' }>,
  invalid: { generation: number; message: string } | undefined,
): ConditionUpdate {
  const { desired, warnings } = report;
  if (invalid) return invalidSpecDegraded(invalid, desired.generation);
  const warning = warnings[0];
  if (warning) {
    const message = warnings.map((w) => w.message).join('; ');
    return { type: 'Degraded', status: 'True', reason: warning.reason, message, ...gen(desired) };
  }
  return { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no problems', ...gen(desired) };
}

/** Ready=False InvalidSpec at the rejected generation: no earlier generation of the resource was ever valid. */
function invalidSpecNotReady(invalid: { generation: number; message: string }): ConditionUpdate {
  return {
    type: 'Ready',
    status: 'False',
    reason: 'InvalidSpec',
    message: invalid.message,
    observedGeneration: invalid.generation,
  };
}

/**
 * Sets a controller's own conditions (Ready is set by the caller, merged into the default), warning once when one
 * turns True or Ready turns False.
 */
function controllerConditions(
  conditions: readonly ConditionInput[],
  prior: ReadonlyMap<string, string>,
  set: (c: ConditionInput) => void,
  event: EventSink,
): void {
  for (const c of conditions.filter((x) => x.type !== 'Ready')) {
    set(c);
    if (c.status === 'True' && prior.get(c.type) !== 'True')
      event({ type: 'Warning', reason: c.reason, message: c.message });
  }
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True' && prior.get('Ready') === 'True')
    event({ type: 'Warning', reason: ready.reason, message: ready.message });
}

/** Degraded=True InvalidSpec: the rejected generation, and the last good one that keeps running. */
function invalidSpecDegraded(
  invalid: { generation: number; message: string },
  running: number | undefined,
): ConditionUpdate {
  return {
    type: 'Degraded',
    status: 'True',
    reason: 'InvalidSpec',
    // The same generation on both sides: what was rejected is a resource the spec refers to, not the spec.
    message:
      invalid.generation === running
        ? `generation ${running} refers to a resource that is invalid; the last good configuration keeps running: ${invalid.message}`
        : `generation ${invalid.generation} rejected, ${running === undefined ? 'the last valid generation' : `generation ${running}`} keeps running: ${invalid.message}`,
    observedGeneration: invalid.generation,
  };
}

/**
 * Applied when this pass changed something, else the reason Ready already had for this generation: a quiet resync
 * after an apply must not rewrite the status document (SSM writes are rate-limited fleet-wide).
 */
function readyReason(status: ControllerStatus, report: Extract<ReconcileReport, { type: 'converged' }>): string {
  if (report.applied) return 'Applied';
  const ready = findCondition(status.conditions, 'Ready');
  // Standby describes a non-holder; a pass that ran means this instance leads now.
  const same =
    ready?.status === 'True' && ready.reason !== 'Standby' && ready.observedGeneration === report.desired.generation;
  return same ? ready.reason : 'Converged';
}

function gen(source: { generation?: number; observedGeneration?: number }): { observedGeneration?: number } {
  const g = 'generation' in source ? source.generation : source.observedGeneration;
  return g === undefined ? {} : { observedGeneration: g };
}
