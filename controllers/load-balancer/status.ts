import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import type { ConditionInput, ControllerWarning, DesiredState } from '../../runtime/controller.js';
import { describeRejection } from '../../runtime/resource-admission.js';
import { LB_TABLE, targetChain } from './names.js';
import { needsConntrack, planServices, VS_CONNTRACK, type ServicePlan } from './plan.js';
import type { PlannedTarget } from './targets.js';
import type { LoadBalancerDesired, LoadBalancerObserved } from './types.js';

/** Targets listed per service in status; the rest are counted (status is one SSM parameter). */
export const LISTED_TARGETS = 50;

export function loadBalancerDetails(
  desired: DesiredState<LoadBalancerDesired>,
  observed: LoadBalancerObserved,
): Record<string, unknown> {
  const plans = desired.name === undefined ? [] : planServices(desired.spec, observed);
  return {
    mechanism: observed.mechanism,
    table: `${LB_TABLE.family} ${LB_TABLE.name}`,
    services: plans.map((p) => serviceDetails(p, observed)),
    rejected: desired.spec.rejected,
  };
}

function serviceDetails(plan: ServicePlan, observed: LoadBalancerObserved): Record<string, unknown> {
  const { service, planned, kernel } = plan;
  const { listener } = service.spec;
  const snapshot = observed.memberships[service.name];
  const counts = { active: 0, draining: 0, unhealthy: 0 };
  for (const t of planned.targets) counts[t.state] += 1;
  return {
    name: service.name,
    generation: service.generation,
    listener: `${listener.protocol} ${listener.address ?? '*'}:${listener.port}`,
    scheduler: service.spec.scheduler,
    schedulerInEffect: kernel.scheduler,
    sourceNat: service.spec.sourceNat,
    ...(snapshot?.syncedAt !== undefined ? { lastSync: snapshot.syncedAt } : {}),
    ...(snapshot?.error ? { syncError: snapshot.error } : {}),
    failOpen: planned.failOpen,
    counts,
    targets: planned.targets.slice(0, LISTED_TARGETS).map((t) => targetDetails(t, service.id, observed)),
    ...(planned.targets.length > LISTED_TARGETS ? { unlistedTargets: planned.targets.length - LISTED_TARGETS } : {}),
  };
}

function targetDetails(t: PlannedTarget, id: number, observed: LoadBalancerObserved): Record<string, unknown> {
  // nat chains see each connection's first packet only: a target chain's counter counts its connections.
  const chain = targetChain(id, t.address, t.port);
  const counter = observed.table?.counters.find((c) => c.chain === chain && c.index === 0);
  return {
    address: t.address,
    port: t.port,
    health: t.health,
    ...(t.reason !== undefined ? { reason: t.reason } : {}),
    weight: t.weight,
    state: t.drainingSince !== undefined ? `draining since ${t.drainingSince}` : t.state,
    ...(t.removeAt !== undefined ? { removeAt: t.removeAt } : {}),
    ...(counter ? { connections: counter.packets } : {}),
  };
}

/** Rejected resources, schedulers served as wrr, failing open, and failed syncs: Degraded, the service still runs. */
export function loadBalancerWarnings(
  desired: DesiredState<LoadBalancerDesired>,
  observed: LoadBalancerObserved,
): ControllerWarning[] {
  const plans = desired.name === undefined ? [] : planServices(desired.spec, observed);
  return [
    ...desired.spec.rejected.map((r) => ({
      resource: r.name,
      reason: 'ResourceRejected',
      message: describeRejection(loadBalancerKind.kind, r),
    })),
    ...plans.flatMap((p) => serviceWarnings(p, observed)),
    ...(needsConntrack(plans, observed) && observed.vsConntrack?.value !== '1'
      ? [
          {
            reason: 'SourceNatUnavailable',
            message: `${VS_CONNTRACK} is not 1 and cannot be set here: IPVS connections of sourceNat services keep the client address`,
          },
        ]
      : []),
  ];
}

function serviceWarnings(plan: ServicePlan, observed: LoadBalancerObserved): ControllerWarning[] {
  const { service, planned, kernel } = plan;
  const resource = service.name;
  const warnings: ControllerWarning[] = [];
  if (kernel.scheduler !== service.spec.scheduler)
    warnings.push({
      resource,
      reason: 'SchedulerNotSupported',
      message: `scheduler ${service.spec.scheduler} runs as ${kernel.scheduler} on the nftables path (IPVS runs it)`,
    });
  if (planned.failOpen)
    warnings.push({
      resource,
      reason: 'NoHealthyTargets',
      message: 'no target is healthy: every registered target gets traffic, failing open like an NLB',
    });
  const error = observed.memberships[resource]?.error;
  if (error)
    warnings.push({
      resource,
      reason: error.reason,
      message: `target sync failed, last members kept: ${error.message}`,
    });
  return warnings;
}

/** Resources exist but none was ever admitted: not Ready (InvalidSpec at the rejected generation). */
export function neverAdmitted(desired: DesiredState<LoadBalancerDesired>): ConditionInput[] {
  const first = desired.spec.rejected[0];
  if (desired.name !== undefined || !first) return [];
  const message = desired.spec.rejected.map((r) => describeRejection(loadBalancerKind.kind, r)).join('; ');
  return [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message, observedGeneration: first.generation }];
}
