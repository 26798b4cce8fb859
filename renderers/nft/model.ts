/**
 * A typed subset of the libnftables JSON schema. Desired tables are built in the exact shape the kernel lists them
 * (after normalisation), so desired and observed compare with deep equality.
 */
export type NftFamily = 'ip' | 'ip6' | 'inet';

export interface NftSet {
  name: string;
  type: 'ipv4_addr' | 'inet_service' | 'inet_proto';
  flags: string[];
  /** Canonical elements: "a.b.c.d/len" for prefixes and addresses, "a.b.c.d-e.f.g.h" for ranges; sorted. */
  elements: string[];
}

export interface NftBaseChain {
  type: 'filter' | 'nat' | 'route';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  prio: number;
  policy: 'accept' | 'drop';
}

/** A libnftables JSON statement ({ match: ... }, { counter: null }, { masquerade: null }, ...). */
export type NftStatement = Record<string, unknown>;

export interface NftRule {
  comment?: string;
  expr: NftStatement[];
}

export interface NftChain {
  name: string;
  base?: NftBaseChain;
  rules: NftRule[];
}

export interface NftTable {
  family: NftFamily;
  name: string;
  sets: NftSet[];
  chains: NftChain[];
}

/** Packet/byte counters of a rule, keyed by chain name and rule index. */
export interface RuleCounter {
  chain: string;
  index: number;
  comment?: string;
  packets: number;
  bytes: number;
}

export interface ObservedTable {
  table: NftTable;
  counters: RuleCounter[];
}

/** Semantic operations an NftPort commits atomically. */
export type NftOp = { op: 'replaceTable'; table: NftTable } | { op: 'deleteTable'; family: NftFamily; name: string };
