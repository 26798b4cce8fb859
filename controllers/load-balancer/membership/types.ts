import type { TargetHealthState } from '../../../runtime/aws/api-ports.js';

/** Where a virtual service's targets come from: an NLB target group to mirror, or a static list. */
export type TargetsSpec =
  { targetGroupArn: string } | { static: readonly { address: string; port?: number; weight?: number }[] };

/** How target health is known: ELBv2's own checks, the gateway's TCP connects, or not at all (all healthy). */
export type HealthCheckSpec =
  | { source: 'targetGroup' }
  | {
      source: 'tcp';
      intervalSeconds: number;
      timeoutSeconds: number;
      healthyThreshold: number;
      unhealthyThreshold: number;
    }
  | { source: 'none' };

/** What the membership tracker needs of one LoadBalancer resource's spec. */
export interface MembershipSpec {
  targets: TargetsSpec;
  /** Default: port of the listener, when a target names none (static) . */
  defaultPort: number;
  healthCheck: HealthCheckSpec;
  syncIntervalSeconds: number;
}

/** One target as the membership source sees it now. `unknown`: not checked yet (TCP checks before their first). */
export interface MemberView {
  address: string;
  port: number;
  health: TargetHealthState | 'unknown';
  reason?: string;
  /** Static targets' configured weight (default 1); target-group members have none (the planner uses 1). */
  weight?: number;
  targetId?: string;
}

export interface MembershipSnapshot {
  /** Members registered now; a member that left the group is absent (the planner drains it). */
  members: MemberView[];
  /** Last successful sync (ISO); absent before the first. */
  syncedAt?: string;
  /** The last sync failed: members are the last known ones (never emptied by an error). */
  error?: { reason: string; message: string };
}

/**
 * Keeps each LoadBalancer resource's membership, refreshed at most once per syncIntervalSeconds (sooner when the
 * spec changed). Never throws: a failed sync keeps the last known members and says why.
 */
export interface MembershipTracker {
  current(resource: string, spec: MembershipSpec, signal: AbortSignal): Promise<MembershipSnapshot>;
  /** The resource is gone: stop its checks and drop its cache. */
  forget(resource: string): void;
}
