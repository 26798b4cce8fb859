import type { PortRange } from '../../policy/ports.js';
import type { NftTable } from '../../renderers/nft/model.js';

export type FirewallAction = 'allow' | 'deny' | 'reject';
export type FirewallProtocol = 'tcp' | 'udp' | 'icmp' | 'any';
export type FirewallChainName = 'forward' | 'input';

/** One rule after validation, in the order the policy evaluates it. Empty lists mean "any". */
export interface PolicyRule {
  /** Where the rule came from, e.g. "web/rules[3]" or "web/input.rules[0]": the name status and explain print. */
  id: string;
  action: FirewallAction;
  /** Canonical CIDRs (host bits clear), no two overlapping. */
  sources: string[];
  destinations: string[];
  protocol: FirewallProtocol;
  /** Only with protocol tcp or udp; non-overlapping. */
  ports: PortRange[];
  comment?: string;
}

export interface ChainPolicy {
  rules: PolicyRule[];
  defaultAction: FirewallAction;
}

/** The merged policy of every FirewallPolicy resource. `input` is present only when some resource opts in. */
export interface FirewallDesired {
  forward: ChainPolicy;
  input?: ChainPolicy;
}

/** One layer of set lookups of the compiled chain: consecutive (after safe reordering) rules of one action. */
export interface CompiledGroup {
  chain: FirewallChainName;
  /** The nft set the group's rule looks up; also the group's name in status and metrics. */
  set: string;
  action: FirewallAction;
  /** Index of the group's rule in its nft chain, where its counter is read. */
  ruleIndex: number;
  /**
   * Present when the set is split over several (compile/shards.ts): `shards` sets named by shardSetName, one lookup
   * rule each, consecutive from ruleIndex; the group's counter is their sum.
   */
  shards?: number;
  /** The policy rules whose elements the set holds, in policy order. */
  ruleIds: string[];
}

export interface CompiledFirewall {
  table: NftTable;
  groups: CompiledGroup[];
}

/** A packet as `csgw explain` and the property tests describe it. */
export interface FirewallPacket {
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  /** tcp/udp only. */
  dport?: number;
}

export interface FirewallVerdict {
  action: FirewallAction;
  /** The policy rule that decided, or undefined when the chain's default action did. */
  ruleId?: string;
  /** The compiled group whose lookup matched (undefined for the default). */
  group?: string;
}

/** Kept between passes: apply records whether the kernel refused its last commit, observe reports it (rebuild). */
export interface CommitMemory {
  lastCommitFailed: boolean;
}
