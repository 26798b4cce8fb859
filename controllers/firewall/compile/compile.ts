import { sortElements } from '../../../renderers/nft/elements.js';
import type { NftChain, NftRule, NftSet } from '../../../renderers/nft/model.js';
import type { ChainPolicy, CompiledFirewall, CompiledGroup, FirewallChainName, FirewallDesired } from '../types.js';
import { boxElement } from './box.js';
import { groupRules, type Layer } from './groups.js';
import { FILTER_PRIORITY, FILTER_TABLE, FORWARD_CHAIN, groupSetName, INPUT_CHAIN, ruleComment } from './names.js';
import { counter, established, icmpv6, lookup, loopback, SET_KEY_TYPE, verdict } from './statements.js';

interface CompiledChain {
  sets: NftSet[];
  chain: NftChain;
  groups: CompiledGroup[];
}

/** The one table the firewall owns (pure): a forward chain, and an input chain when some policy opts in. */
export function compileFirewall(desired: FirewallDesired): CompiledFirewall {
  const chains = [compileChain(FORWARD_CHAIN, desired.forward)];
  if (desired.input) chains.push(compileChain(INPUT_CHAIN, desired.input));
  return {
    table: { ...FILTER_TABLE, sets: chains.flatMap((c) => c.sets), chains: chains.map((c) => c.chain) },
    groups: chains.flatMap((c) => c.groups),
  };
}

function compileChain(name: FirewallChainName, policy: ChainPolicy): CompiledChain {
  const head: NftRule[] = [];
  if (name === INPUT_CHAIN) {
    head.push({ comment: ruleComment(name, 'loopback'), expr: [loopback(), verdict('allow')] });
    head.push({ comment: ruleComment(name, 'icmpv6'), expr: [icmpv6(), verdict('allow')] });
  }
  head.push({ comment: ruleComment(name, 'established'), expr: [established(), verdict('allow')] });
  // Each layer of each group is one lookup rule with its own set and counter, in group order.
  const lookups = groupRules(policy.rules).flatMap((group, g) =>
    group.layers.map((layer, l) => ({ action: group.action, set: groupSetName(name, g, l), layer })),
  );
  const groups = lookups.map(({ action, set, layer }, k): CompiledGroup => ({
    chain: name,
    set,
    action,
    ruleIndex: head.length + k,
    ruleIds: layer.ruleIds,
  }));
  const rules: NftRule[] = [
    ...head,
    ...lookups.map(({ action, set }) => ({
      comment: ruleComment(name, set),
      expr: [lookup(set), counter(), verdict(action)],
    })),
    { comment: ruleComment(name, 'default'), expr: [counter(), verdict(policy.defaultAction)] },
  ];
  return {
    sets: lookups.map(({ set, layer }) => groupSet(set, layer)),
    chain: { name, base: { type: 'filter', hook: name, prio: FILTER_PRIORITY, policy: 'accept' }, rules },
    groups,
  };
}

function groupSet(name: string, layer: Layer): NftSet {
  return { name, type: [...SET_KEY_TYPE], flags: ['interval'], elements: sortElements(layer.boxes.map(boxElement)) };
}

/**
 * Compiling 10,000 rules costs more than planning against them, and plan, verify and details all ask for the same
 * desired state (kept by identity by the reconcile machine), so one compile per desired object is enough.
 */
export function memoisedCompile(): (policy: FirewallDesired) => CompiledFirewall {
  const cache = new WeakMap<FirewallDesired, CompiledFirewall>();
  return (policy) => {
    const hit = cache.get(policy);
    if (hit) return hit;
    const result = compileFirewall(policy);
    cache.set(policy, result);
    return result;
  };
}
