import type { MemberView, MembershipSnapshot } from './membership/types.js';
import type { LoadBalancerSpec } from './spec.js';
import type { KernelTarget } from './types.js';

export type TargetState = 'active' | 'draining' | 'unhealthy';

/** One target of a virtual service as planned: its kernel weight and why. */
export interface PlannedTarget {
  address: string;
  port: number;
  /** What the kernel gets: 0 for unhealthy and draining targets. */
  weight: number;
  state: TargetState;
  /** ELBv2's state (or the TCP check's); 'gone' when the source no longer lists it. */
  health: MemberView['health'] | 'gone';
  reason?: string;
  /** Draining targets: when the drain began, and when the target leaves the kernel. */
  drainingSince?: string;
  removeAt?: string;
}

export interface PlannedService {
  /** Sorted by address then port. Targets whose drain is over are absent. */
  targets: PlannedTarget[];
  /** No target is healthy: every registered non-draining one gets its weight, as an NLB fails open. */
  failOpen: boolean;
  /** The ledger entries of this service after the plan: one per draining target. */
  drains: Record<string, string>;
}

export interface TargetPlanInput {
  spec: LoadBalancerSpec;
  snapshot: MembershipSnapshot;
  /** What the kernel has for this service now (undefined: nothing yet). */
  kernel: readonly KernelTarget[] | undefined;
  /** This service's drain starts. */
  ledger: Readonly<Record<string, string>>;
  now: string;
}

type Verdict = 'healthy' | 'unhealthy' | 'drain';

export const targetKey = (t: { address: string; port: number }): string => `${t.address}:${t.port}`;

/**
 * (spec, membership, kernel, ledger, now) -> each target's weight; pure. Healthy (or unchecked under source none):
 * its weight. Unhealthy: 0 at once. Draining, unused or gone: 0, then removed drainTimeoutSeconds after the drain
 * began; a weight-0 target in the kernel with no ledger entry (an operator restart) starts its drain now.
 */
export function planServiceTargets(input: TargetPlanInput): PlannedService {
  const { spec, snapshot } = input;
  const verdicts = snapshot.members.map((m) => [m, verdictOf(m, spec)] as const);
  const failOpen = !verdicts.some(([, v]) => v === 'healthy') && verdicts.some(([, v]) => v === 'unhealthy');
  const kernel = new Map((input.kernel ?? []).map((t) => [targetKey(t), t]));
  const drains: Record<string, string> = {};
  const planned: PlannedTarget[] = [];
  const drain = (target: KernelTarget, health: PlannedTarget['health'], reason?: string): void => {
    const key = targetKey(target);
    if (!kernel.has(key)) return; // never given traffic: nothing to drain
    const since = input.ledger[key] ?? input.now;
    const removeAt = new Date(Date.parse(since) + spec.drainTimeoutSeconds * 1000).toISOString();
    if (Date.parse(input.now) >= Date.parse(removeAt)) return;
    drains[key] = since;
    const why = reason !== undefined ? { reason } : {};
    planned.push({
      ...addressOf(target),
      weight: 0,
      state: 'draining',
      health,
      ...why,
      drainingSince: since,
      removeAt,
    });
  };
  for (const [member, verdict] of verdicts) {
    const why = member.reason !== undefined ? { reason: member.reason } : {};
    const base = { ...addressOf(member), health: member.health, ...why };
    if (verdict === 'drain') drain({ ...member, weight: 0 }, member.health, member.reason);
    else if (verdict === 'healthy' || failOpen) planned.push({ ...base, weight: member.weight ?? 1, state: 'active' });
    else planned.push({ ...base, weight: 0, state: 'unhealthy' });
  }
  const listed = new Set(snapshot.members.map(targetKey));
  for (const target of kernel.values()) {
    if (listed.has(targetKey(target))) continue;
    // A failed first sync knows no members: what the kernel has keeps serving rather than draining.
    if (snapshot.error && snapshot.syncedAt === undefined) planned.push(kept(target, snapshot.error.reason));
    else drain(target, 'gone');
  }
  return { targets: sortTargets(planned), failOpen, drains };
}

function verdictOf(member: MemberView, spec: LoadBalancerSpec): Verdict {
  if (member.health === 'draining' || member.health === 'unused') return 'drain';
  if (spec.healthCheck.source === 'none' || member.health === 'healthy') return 'healthy';
  return 'unhealthy';
}

function kept(target: KernelTarget, reason: string): PlannedTarget {
  const state = target.weight > 0 ? 'active' : 'unhealthy';
  return { ...addressOf(target), weight: target.weight, state, health: 'unknown', reason };
}

function addressOf(t: { address: string; port: number }): { address: string; port: number } {
  return { address: t.address, port: t.port };
}

function sortTargets(targets: PlannedTarget[]): PlannedTarget[] {
  const n = (a: string): number => a.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  return targets.sort((a, b) => n(a.address) - n(b.address) || a.port - b.port);
}
