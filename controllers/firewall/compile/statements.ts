import type { NftDataType, NftStatement } from '../../../renderers/nft/model.js';
import type { FirewallAction } from '../types.js';

/**
 * The libnftables JSON statements of the filter table, in the exact form `nft -j list table` prints them back
 * (nft 1.0.6), so desired and observed rules compare with deep equality.
 */

/** The key every group set is typed by, in the order of lookupKey's components. */
export const SET_KEY_TYPE: readonly NftDataType[] = ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'];

/** `ip saddr . ip daddr . meta l4proto . th dport`: th dport reads the two bytes at offset 2 of any transport header. */
function lookupKey(): NftStatement {
  return {
    concat: [
      { payload: { protocol: 'ip', field: 'saddr' } },
      { payload: { protocol: 'ip', field: 'daddr' } },
      { meta: { key: 'l4proto' } },
      { payload: { protocol: 'th', field: 'dport' } },
    ],
  };
}

/**
 * Statements are built fresh from literals each time: a caller editing one table must not change another, and
 * structuredClone would give objects of another realm under jest, which isDeepStrictEqual tells apart.
 */
export function counter(): NftStatement {
  return { counter: null };
}

export function lookup(set: string): NftStatement {
  return { match: { op: '==', left: lookupKey(), right: `@${set}` } };
}

/** `ct state established,related`: replies of connections the policy already let through are never cut. */
export function established(): NftStatement {
  return { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } };
}

/**
 * `meta l4proto ipv6-icmp`: the policy is IPv4-only, and an input default of deny must not cut the gateway's own
 * IPv6 neighbour discovery. A number, as decode normalises it (nft prints the name only where /etc/protocols exists).
 */
export function icmpv6(): NftStatement {
  return { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 58 } };
}

/** `iifname "lo"`: the host talking to itself. */
export function loopback(): NftStatement {
  return { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'lo' } };
}

export function verdict(action: FirewallAction): NftStatement {
  if (action === 'allow') return { accept: null };
  if (action === 'deny') return { drop: null };
  return { reject: { type: 'icmpx', expr: 'admin-prohibited' } };
}
