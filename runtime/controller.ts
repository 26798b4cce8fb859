import type { Observable } from 'rxjs';
import type { KindDefinition } from '../crds-equivalent/index.js';
import type { Validation } from './spec-validation.js';
import type { LeaseGuard } from './lease/fencing.js';
import type { EventType } from './status-types.js';

/** One stored resource of a kind, as read from SSM. */
export interface StoredResource {
  name: string;
  /** The SSM parameter version: the resource's generation. */
  generation: number;
  /** The raw parameter value (a JSON document). May be a decrypted SecureString: never log it. */
  value: string;
  /** When this generation was written (ISO 8601): orders competing claims of multi-resource kinds. */
  modifiedAt?: string;
}

/** The resources of one kind, as of one list of SSM. */
export interface KindSnapshot {
  kind: string;
  resources: StoredResource[];
  /** The resources of the kinds the controller watches (Controller.watches), by kind, as last listed. */
  related?: Readonly<Record<string, StoredResource[]>>;
}

/** A condition a controller adds to (or overrides in) its status when it converges. */
export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** For a condition about a resource that is not the one converged (a rejected first generation). */
  observedGeneration?: number;
}

/** A problem that does not stop the controller; `resource` names the resource it is about when not the current one. */
export interface ControllerWarning {
  reason: string;
  message: string;
  /** The resource of the kind that was rejected (FirewallPolicy "b" while "a,b" is the controller's name). */
  resource?: string;
}

/** An event a controller's data plane reported between passes (an IPS alert), already aggregated and rate-limited. */
export interface ControllerEvent {
  type: EventType;
  reason: string;
  message: string;
  /** The resource it is about (default: the kind's singleton name). */
  resource?: string;
}

/** A decoded, validated desired state, tagged with where it came from. */
export interface DesiredState<D> {
  /** undefined when no resource of the kind exists: the controller then owns nothing. */
  name?: string;
  generation?: number;
  spec: D;
}

export type DecodeResult<D> =
  | { ok: true; desired: DesiredState<D>; ignored: { name: string; reason: string }[] }
  | { ok: false; name: string; generation: number; errors: string[] };

/** A failure the controller understood: its reason lands in status; inert ones retry slowly instead of backing off. */
export class ControllerError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly inert = false,
  ) {
    super(message);
    this.name = 'ControllerError';
  }
}

export interface ProbeResult {
  ok: boolean;
  reason: string;
  message: string;
  /** Mechanism choices reported in status (e.g. { nat: 'nftables' }). */
  details: Record<string, unknown>;
}

export interface ObserveOptions<D = unknown> {
  full: boolean;
  /** The desired state being reconciled: what to read (which allocation, which route tables). */
  desired: DesiredState<D>;
}

/**
 * The contract every controller implements. decode and plan are pure; observe, apply and probe do I/O through
 * ports and must honour the AbortSignal.
 */
export interface Controller<Spec, Desired, Observed, Action> {
  readonly kind: KindDefinition;
  /**
   * Set on cluster- and AZ-scoped controllers: the operator runs them only while this node holds the lease of
   * lease.scope, and they check it before every write.
   */
  readonly lease?: LeaseGuard;
  /** Other kinds this controller reads (resources its spec refers to); a change to them reconciles it too. */
  readonly watches?: readonly KindDefinition[];
  /**
   * Emits when the real state changed outside a reconcile pass (a supervised daemon crashed or came back), so the
   * controller is observed at once instead of at the next resync.
   */
  readonly changes$?: Observable<void>;
  /** What the data plane reports between passes (alerts), recorded as events of the kind. */
  readonly events$?: Observable<ControllerEvent>;
  /** Schema + semantic validation of one resource's spec (used by the controller and by `csgw apply`). */
  validateSpec(raw: unknown): Validation<Spec>;
  /** Turns a snapshot of the kind into the desired state (resolving defaults from host facts given at wiring). */
  decode(snapshot: KindSnapshot): DecodeResult<Desired>;
  /** Checks the kernel features / permissions the controller needs; a failed probe makes it inert. */
  probe(signal: AbortSignal): Promise<ProbeResult>;
  /**
   * Reads the real state. `full` is true on the first pass and after a failed apply: a controller that keeps
   * element-level caches (to send only deltas) must then re-read everything instead of trusting them.
   */
  observe(signal: AbortSignal, opts: ObserveOptions<Desired>): Promise<Observed>;
  plan(desired: DesiredState<Desired>, observed: Observed): Action[];
  apply(actions: Action[], signal: AbortSignal): Promise<void>;
  /** One line per action for logs and `csgw diff`. */
  describe(action: Action): string;
  /** Controller-specific status details from what was observed (counters, resolved defaults). */
  details(desired: DesiredState<Desired>, observed: Observed): Record<string, unknown>;
  /** Problems that do not stop the controller (a tuning knob this host refuses): set the Degraded condition. */
  warnings(desired: DesiredState<Desired>, observed: Observed): ControllerWarning[];
  /** Conditions of the controller's own (CrashLoop) or overriding Ready (a daemon that is not serving). */
  conditions?(desired: DesiredState<Desired>, observed: Observed): ConditionInput[];
  /** Called once when the operator stops: release what outlives reconcile passes (supervised daemons). */
  shutdown?(): Promise<void>;
}

/** Methods are bivariant in their parameters, so any controller fits this registry type. */
export type AnyController = Controller<unknown, unknown, unknown, unknown>;
