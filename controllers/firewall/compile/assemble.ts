import type { NftChain, NftRule, NftSet } from '../../../renderers/nft/model.js';
import type { ChainPolicy, CompiledFirewall, CompiledGroup, FirewallChainName, FirewallDesired } from '../types.js';
import type { RuleGroup } from './groups.js';
import {
  FILTER_PRIORITY,
  FILTER_TABLE,
  FORWARD_CHAIN,
  groupSetName,
  INPUT_CHAIN,
  ruleComment,
  shardSetName,
} from './names.js';
import { splitShards } from './shards.js';
import { counter, established, icmpv6, lookup, loopback, SET_KEY_TYPE, verdict } from './statements.js';

/** The groups of one chain's rules: groupRules, or incremental.ts's answer from its last compile. */
export type GroupChain = (chain: FirewallChainName, policy: ChainPolicy) => RuleGroup[];

/**
 * A set's sorted elements from its elements in policy order (no two alike: a layer's elements are disjoint), so
 * the answer depends only on which elements they are; incremental.ts reuses the last one for an unchanged set.
 */
export type RenderSet = (set: string, elements: readonly string[]) => string[];

interface CompiledChain {
  sets: NftSet[];
  chain: NftChain;
  groups: CompiledGroup[];
}

/** The table from the groups of each chain, each layer split into shards (shards.ts). */
export function assembleFirewall(desired: FirewallDesired, group: GroupChain, render: RenderSet): CompiledFirewall {
  const chains = [compileChain(FORWARD_CHAIN, desired.forward, group, render)];
  if (desired.input) chains.push(compileChain(INPUT_CHAIN, desired.input, group, render));
  return {
    table: { ...FILTER_TABLE, sets: chains.flatMap((c) => c.sets), chains: chains.map((c) => c.chain) },
    groups: chains.flatMap((c) => c.groups),
  };
}

interface Lookup {
  group: CompiledGroup;
  /** The layer's elements split by shard (one entry when it is not split). */
  shards: string[][];
}

function compileChain(
  name: FirewallChainName,
  policy: ChainPolicy,
  group: GroupChain,
  render: RenderSet,
): CompiledChain {
  const head: NftRule[] = [];
  if (name === INPUT_CHAIN) {
    head.push({ comment: ruleComment(name, 'loopback'), expr: [loopback(), verdict('allow')] });
    head.push({ comment: ruleComment(name, 'icmpv6'), expr: [icmpv6(), verdict('allow')] });
  }
  head.push({ comment: ruleComment(name, 'established'), expr: [established(), verdict('allow')] });
  // Each layer of each group is one lookup rule per shard, each with its own set and counter, in group order.
  let ruleIndex = head.length;
  const lookups = group(name, policy).flatMap((g, gi) =>
    g.layers.map((layer, l): Lookup => {
      const shards = splitShards(layer.elements, layer.hashes);
      const set = groupSetName(name, gi, l);
      const compiled: CompiledGroup = {
        chain: name,
        set,
        action: g.action,
        ruleIndex,
        ...(shards.length > 1 ? { shards: shards.length } : {}),
        ruleIds: layer.ruleIds,
      };
      ruleIndex += shards.length;
      return { group: compiled, shards };
    }),
  );
  const sets = lookups.flatMap(({ group: g, shards }) =>
    shards.map((elements, k) => groupSet(shardSetName(g.set, k, shards.length), elements, render)),
  );
  const rules: NftRule[] = [
    ...head,
    ...lookups.flatMap(({ group: g, shards }) =>
      shards.map((_, k) => {
        const set = shardSetName(g.set, k, shards.length);
        return { comment: ruleComment(name, set), expr: [lookup(set), counter(), verdict(g.action)] };
      }),
    ),
    { comment: ruleComment(name, 'default'), expr: [counter(), verdict(policy.defaultAction)] },
  ];
  return {
    sets,
    chain: { name, base: { type: 'filter', hook: name, prio: FILTER_PRIORITY, policy: 'accept' }, rules },
    groups: lookups.map((l) => l.group),
  };
}

function groupSet(name: string, elements: readonly string[], render: RenderSet): NftSet {
  return { name, type: [...SET_KEY_TYPE], flags: ['interval'], elements: render(name, elements) };
}
