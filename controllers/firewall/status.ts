import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import type { RuleCounter } from '../../renderers/nft/model.js';
import { describeRejection } from '../../runtime/resource-admission.js';
import { FILTER_TABLE } from './compile/names.js';
import { shortRejection, type FirewallState } from './decode.js';
import type { FirewallObserved } from './plan.js';
import type { CompiledFirewall, CompiledGroup, FirewallAction, FirewallChainName } from './types.js';

/**
 * The status document is one SSM parameter (8 KB at most) shared by every controller, so a policy of thousands of
 * groups lists only its first groups per chain; totals per action cover the rest.
 */
const LISTED_GROUPS_PER_CHAIN = 5;

interface Counted {
  packets: number;
  bytes: number;
}

interface GroupDetails extends Counted {
  chain: FirewallChainName;
  set: string;
  action: FirewallAction;
  rules: number;
  firstRule?: string;
  lastRule?: string;
}

/**
 * Status details: the policy's size, its first groups per chain with their counters, each chain's default, rejected
 * generations; and every number flat in `counters`, which runtime/metrics.ts exports as csgw_controller_counter.
 */
export function firewallDetails(
  compiled: CompiledFirewall | undefined,
  state: FirewallState,
  observed: FirewallObserved,
): Record<string, unknown> {
  const base = {
    table: `${FILTER_TABLE.family} ${FILTER_TABLE.name}`,
    ...(state.rejected.length > 0 ? { rejected: state.rejected.map(shortRejection) } : {}),
  };
  const policy = state.policy;
  if (!compiled || !policy) return { ...base, ruleCount: 0, groupCount: 0 };
  const counterAt = counterLookup(observed.table?.counters ?? []);
  const chains = policy.input ? (['forward', 'input'] as const) : (['forward'] as const);
  const listed = chains.flatMap((chain) =>
    compiled.groups.filter((g) => g.chain === chain).slice(0, LISTED_GROUPS_PER_CHAIN),
  );
  const counters: Record<string, number> = {};
  const add = (key: string, c: Counted): void => {
    counters[`${key}_packets`] = (counters[`${key}_packets`] ?? 0) + c.packets;
    counters[`${key}_bytes`] = (counters[`${key}_bytes`] ?? 0) + c.bytes;
  };
  for (const g of listed) add(`${g.chain}_${g.set}`, groupCounter(g, counterAt));
  for (const g of compiled.groups) add(`${g.chain}_${g.action}`, groupCounter(g, counterAt));
  for (const chain of chains) add(`${chain}_default`, counterAt(chain, defaultRuleIndex(compiled, chain)));
  return {
    ...base,
    ruleCount: policy.forward.rules.length + (policy.input?.rules.length ?? 0),
    groupCount: compiled.groups.length,
    groups: listed.map((g) => groupDetails(g, groupCounter(g, counterAt))),
    defaultActions: Object.fromEntries(chains.map((chain) => [chain, (policy[chain] ?? policy.forward).defaultAction])),
    counters,
  };
}

/** Rejected generations as warnings: Degraded=True ResourceRejected while any is left out. */
export function firewallWarnings(state: FirewallState): { reason: string; message: string; resource: string }[] {
  return state.rejected.map((r) => ({
    resource: r.name,
    reason: 'ResourceRejected',
    message: describeRejection(firewallPolicyKind.kind, shortRejection(r)),
  }));
}

function groupDetails(g: CompiledGroup, counted: Counted): GroupDetails {
  return {
    chain: g.chain,
    set: g.set,
    action: g.action,
    rules: g.ruleIds.length,
    ...(g.ruleIds.length > 0 ? { firstRule: g.ruleIds[0], lastRule: g.ruleIds[g.ruleIds.length - 1] } : {}),
    ...counted,
  };
}

/** A group's lookups: one rule, or one per shard of its set (shown as one group, counters summed). */
function groupCounter(g: CompiledGroup, counterAt: (chain: string, index: number) => Counted): Counted {
  const sum: Counted = { packets: 0, bytes: 0 };
  for (let i = g.ruleIndex; i < g.ruleIndex + (g.shards ?? 1); i++) {
    const c = counterAt(g.chain, i);
    sum.packets += c.packets;
    sum.bytes += c.bytes;
  }
  return sum;
}

/** The default verdict is each chain's last rule. */
function defaultRuleIndex(compiled: CompiledFirewall, chain: FirewallChainName): number {
  return (compiled.table.chains.find((c) => c.name === chain)?.rules.length ?? 0) - 1;
}

function counterLookup(counters: readonly RuleCounter[]): (chain: string, index: number) => Counted {
  const byKey = new Map(counters.map((c) => [`${c.chain}/${c.index}`, c]));
  return (chain, index) => {
    const c = byKey.get(`${chain}/${index}`);
    return { packets: c?.packets ?? 0, bytes: c?.bytes ?? 0 };
  };
}
