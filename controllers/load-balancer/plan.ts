import { isDeepStrictEqual } from 'node:util';
import { describeTableDelta, planTableDelta } from '../../renderers/nft/delta.js';
import type { DesiredState } from '../../runtime/controller.js';
import { planIpvs } from './ipvs-plan.js';
import { kernelServiceOf } from './kernel.js';
import { kernelTargetsFromIpvs, kernelTargetsFromTable } from './kernel-read.js';
import { LB_TABLE } from './names.js';
import { renderLbTable } from './nft-table.js';
import { planServiceTargets, type PlannedService } from './targets.js';
import type {
  DrainLedger,
  KernelService,
  LbService,
  LoadBalancerAction,
  LoadBalancerDesired,
  LoadBalancerObserved,
} from './types.js';

/** Must be 1 on the IPVS path for IPVS's connections to pass conntrack, and so postrouting's masquerade. */
export const VS_CONNTRACK = 'net.ipv4.vs.conntrack';

export interface ServicePlan {
  service: LbService;
  planned: PlannedService;
  kernel: KernelService;
}

/** Each admitted service with its targets planned against what the kernel has: the plan's and status's view. */
export function planServices(desired: LoadBalancerDesired, observed: LoadBalancerObserved): ServicePlan[] {
  const inKernel =
    observed.mechanism === 'ipvs'
      ? kernelTargetsFromIpvs(observed.ipvs ?? [])
      : kernelTargetsFromTable(observed.table?.table);
  return desired.services.map((service) => {
    const planned = planServiceTargets({
      spec: service.spec,
      snapshot: observed.memberships[service.name] ?? { members: [] },
      kernel: inKernel.get(service.id),
      ledger: observed.ledger[service.name] ?? {},
      now: observed.now,
    });
    return { service, planned, kernel: kernelServiceOf(service, planned, observed.mechanism) };
  });
}

/**
 * (desired, observed) -> actions; pure. An empty plan means converged. nftables: only the chains that changed, in
 * one transaction (a weight change rewrites its service's chain; a new target adds its chain and rewrites the
 * service's; a removed one's chain is deleted once nothing jumps to it), so untouched targets keep their counters;
 * the whole table is replaced when missing, foreign or damaged, and on a full observe (first pass, after a failed
 * apply). Either way conntrack's established flows are left alone. IPVS: `ipvsadm -R` lines of the diff, and the
 * marking table, by the same chain delta. The drain ledger is recorded last, once the kernel has what it describes.
 */
export function planLoadBalancer(
  desired: DesiredState<LoadBalancerDesired>,
  observed: LoadBalancerObserved,
): LoadBalancerAction[] {
  // A restart over specs that no longer validate: an unfamiliar config never tears down what the kernel serves.
  if (desired.spec.holdAsFound) return [];
  const plans = desired.name === undefined ? [] : planServices(desired.spec, observed);
  const kernel = plans.map((p) => p.kernel);
  const ipvs = observed.mechanism === 'ipvs' ? planIpvs(kernel, observed.ipvs ?? []) : [];
  const actions: LoadBalancerAction[] = [
    ...sysctlActions(plans, observed),
    ...(ipvs.length > 0 ? [{ op: 'ipvs' as const, lines: ipvs }] : []),
    ...tableActions(desired, kernel, observed),
  ];
  const ledger = ledgerOf(plans);
  if (!isDeepStrictEqual(ledger, withoutEmpty(observed.ledger))) actions.push({ op: 'recordDrains', ledger });
  return actions;
}

function tableActions(
  desired: DesiredState<LoadBalancerDesired>,
  kernel: KernelService[],
  observed: LoadBalancerObserved,
): LoadBalancerAction[] {
  if (kernel.length > 0) {
    const table = renderLbTable(kernel, observed.mechanism);
    return planTableDelta(table, observed.table?.table, { rebuild: observed.rebuild === true });
  }
  if (!observed.table) return [];
  return [{ op: 'deleteTable', reason: 'NoResource' }];
}

/** Set when read and writable; otherwise status says sourceNat cannot masquerade (conntrackWarning). */
function sysctlActions(plans: readonly ServicePlan[], observed: LoadBalancerObserved): LoadBalancerAction[] {
  const current = observed.vsConntrack;
  const settable = current?.writable === true && current.value !== undefined && current.value !== '1';
  return needsConntrack(plans, observed) && settable ? [{ op: 'sysctl', key: VS_CONNTRACK, value: '1' }] : [];
}

/** IPVS with a sourceNat service: its connections must pass conntrack for postrouting to masquerade them. */
export function needsConntrack(plans: readonly ServicePlan[], observed: LoadBalancerObserved): boolean {
  return observed.mechanism === 'ipvs' && plans.some((p) => p.service.spec.sourceNat);
}

/** The ledger the plan leaves: one entry per service with draining targets. */
function ledgerOf(plans: readonly ServicePlan[]): DrainLedger {
  return withoutEmpty(Object.fromEntries(plans.map((p) => [p.service.name, p.planned.drains])));
}

function withoutEmpty(ledger: DrainLedger): DrainLedger {
  return Object.fromEntries(Object.entries(ledger).filter(([, drains]) => Object.keys(drains).length > 0));
}

export function describeLoadBalancerAction(action: LoadBalancerAction): string {
  switch (action.op) {
    case 'replaceTable':
    case 'updateElements':
    case 'addChain':
    case 'replaceChain':
    case 'deleteChain':
      return describeTableDelta(action);
    case 'deleteTable':
      return `delete nft table ${LB_TABLE.family} ${LB_TABLE.name} (${action.reason})`;
    case 'ipvs':
      return `ipvsadm -R ${action.lines.length} lines: ${action.lines.slice(0, 3).join('; ')}${action.lines.length > 3 ? '; ...' : ''}`;
    case 'sysctl':
      return `sysctl ${action.key}=${action.value}`;
    case 'recordDrains':
      return `record drain starts of ${Object.values(action.ledger).reduce((n, d) => n + Object.keys(d).length, 0)} targets`;
  }
}
