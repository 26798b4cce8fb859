import type { FirewallChainName } from '../types.js';

/** Every nftables name the firewall owns. It owns this one table and nothing else. */
export const FILTER_TABLE = { family: 'inet', name: 'csgw_filter' } as const;
export const FORWARD_CHAIN = 'forward' satisfies FirewallChainName;
export const INPUT_CHAIN = 'input' satisfies FirewallChainName;
/** The standard filter priority (NF_IP_PRI_FILTER) of the forward and input hooks. */
export const FILTER_PRIORITY = 0;

const SET_PREFIX: Record<FirewallChainName, string> = { forward: 'f', input: 'i' };

/**
 * The set of one compiled group: position-based, so an edit that keeps the structure keeps every name and only
 * changes elements. Extra layers of a group get a suffix, so a new layer renames nothing after it.
 */
export function groupSetName(chain: FirewallChainName, group: number, layer: number): string {
  return layer === 0 ? `${SET_PREFIX[chain]}${group}` : `${SET_PREFIX[chain]}${group}_${layer}`;
}

/** One shard of a large layer's set (shards.ts): "f0s3", "f0_1s0"; a layer of one shard keeps the plain name. */
export function shardSetName(set: string, shard: number, count: number): string {
  return count === 1 ? set : `${set}s${shard}`;
}

/** Comments are fixed strings built here: user-written comments never reach nft. */
export function ruleComment(chain: FirewallChainName, what: string): string {
  return `firewall/${chain}/${what}`;
}
