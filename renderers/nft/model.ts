/**
 * A typed subset of the libnftables JSON schema. Desired tables are built in the exact shape the kernel lists them
 * (after normalisation), so desired and observed compare with deep equality.
 */
export type NftFamily = 'ip' | 'ip6' | 'inet';

export type NftDataType = 'ipv4_addr' | 'inet_service' | 'inet_proto';

/** A set, or a map when `map` is present. */
export interface NftSet {
  name: string;
  /** One type, or several for a concatenated key such as `ip saddr . th dport`. */
  type: NftDataType | NftDataType[];
  /**
   * Maps only: the value's type, or 'verdict' for a verdict map. One type only: nft 1.0.6 (Debian 12) parses a
   * concatenated map value in JSON input as a plain set and then crashes on rules using it, so an address-and-port
   * translation uses two maps looked up with the same key (`dnat ip to K map @addrs : K map @ports`).
   */
  map?: NftDataType | 'verdict';
  flags: string[];
  /**
   * Canonical elements, sorted (see elements.ts): per component "a.b.c.d/len" for addresses and prefixes,
   * "a.b.c.d-e.f.g.h" for address ranges, "80" or "80-90" for ports, "6" or "0-255" for protocols (numbers, never
   * names). Concatenated components are joined by " . ", and a map element is "key : value" (a verdict value is
   * "accept", "drop", ...).
   */
  elements: string[];
}

/** What element operations need to know of a set: its name and how its elements are typed. */
export type NftSetRef = Pick<NftSet, 'name' | 'type' | 'map'>;

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

/**
 * Semantic operations an NftPort commits atomically, rendered in the order given. Element operations change one set
 * of an existing table without touching its rules or counters. Chain operations change chains of an existing table
 * and leave every other chain (and its counters) alone: addChain declares a chain with its rules (after any chain its
 * rules jump to), replaceChain flushes one chain and adds its rules again (its base hook unchanged), deleteChains
 * flushes every named chain before deleting any, so chains that refer to each other go together; a chain still
 * referenced from elsewhere makes the kernel refuse the transaction.
 */
export type NftOp =
  | { op: 'replaceTable'; table: NftTable }
  | { op: 'deleteTable'; family: NftFamily; name: string }
  | { op: 'addElements' | 'deleteElements'; family: NftFamily; table: string; set: NftSetRef; elements: string[] }
  | { op: 'addChain' | 'replaceChain'; family: NftFamily; table: string; chain: NftChain }
  | { op: 'deleteChains'; family: NftFamily; table: string; names: string[] };

export interface ListOptions {
  /** false lists the table without set elements (`nft -t`): every set then shows `elements: []`. Default true. */
  elements?: boolean;
}

/** The table an op changes. */
export function opTable(op: NftOp): { family: NftFamily; name: string } {
  if (op.op === 'replaceTable') return { family: op.table.family, name: op.table.name };
  if (op.op === 'deleteTable') return { family: op.family, name: op.name };
  return { family: op.family, name: op.table };
}
