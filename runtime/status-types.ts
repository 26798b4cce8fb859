/** Kubernetes-style status shapes shared by the runtime, the admin API, SSM status documents and the CLI. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, stable, machine-readable (InvalidSpec, ApplyFailed, DriftRepaired, ...). */
  reason: string;
  message: string;
  /** The SSM parameter version this condition was computed for. */
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ObjectRef {
  kind: string;
  name: string;
}

export interface ControllerStatus {
  kind: string;
  /** The resource the controller last worked on; absent when no resource exists. */
  name?: string;
  /** The generation (SSM version) last applied successfully. */
  observedGeneration?: number;
  /** The reconcile machine's current state: waiting, observing, applying, backingOff, inert, ... */
  phase: string;
  conditions: Condition[];
  /** Controller-specific facts: the mechanism it chose, counters, resolved defaults. Never secrets. */
  details: Record<string, unknown>;
}

export interface InstanceStatus {
  instanceId: string;
  gateway: string;
  operatorVersion: string;
  updatedAt: string;
  controllers: Record<string, ControllerStatus>;
  /** The lease scopes this instance takes part in, and who holds each as far as it last read. */
  leases?: Record<string, LeaseStatus>;
  /** How this instance learns of desired-state changes: change events (push), or the full list alone, and why. */
  changes?: ChangesStatus;
  /** Set on a document shortened to fit the SSM parameter (messages summarised, details cut): /status has it all. */
  truncated?: boolean;
}

export interface ChangesStatus {
  mechanism: 'push' | 'polling';
  /** Why polling: PushDisabled, PushStarting, QueueMissing, QueueForbidden, QueueUnavailable. */
  reason?: string;
}

export interface LeaseStatus {
  held: boolean;
  /** '' when the lease is released or nobody holds it yet. */
  holder: string;
  /** The term of the holder: the SSM version at which its claim landed. */
  epoch?: number;
}

export type EventType = 'Normal' | 'Warning';

export interface StatusEvent {
  type: EventType;
  reason: string;
  message: string;
  object: ObjectRef;
  instanceId: string;
  /** How many times this (type, reason, object, message) was seen; repeats are folded like Kubernetes does. */
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}

/** SSE protocol of GET /events: `event: status` frames, one `event: synced` after the replay of recent events. */
export const SSE_EVENT_STATUS = 'status';
export const SSE_EVENT_SYNCED = 'synced';
