import { SRCNAT_PRIORITY } from '../../renderers/nft/priorities.js';

/** Every nftables name the PortForward controller owns. It owns this one table and nothing else. */
export const DNAT_TABLE = { family: 'inet', name: 'csgw_dnat' } as const;
export const PREROUTING_CHAIN = 'prerouting';
export const POSTROUTING_CHAIN = 'postrouting';

/**
 * The maps of one layout. Forwards that rewrite the port use two maps with the same keys, one for the address and
 * one for the port: nft 1.0.6 cannot read a map with a concatenated value (ipv4_addr . inet_service) back from
 * JSON, so the value is split. Forwards that keep the port (ranges, single ports without destinationPort) use `keep`.
 */
export interface ForwardMaps {
  addr: string;
  port: string;
  keep: string;
}

/**
 * Two layouts (docs/kinds/portforward.md, "The table"). Forwards from any source on one port, most of them, live in
 * exact-match maps keyed `meta l4proto . th dport`: hash tables, O(1) per element. The rest (allowedSourceCidrs, a
 * port range) need intervals: maps keyed `th dport . meta l4proto . ip saddr`, port first, because the kernel's
 * interval sets (pipapo) look every new element up while loading and a leading field shared by many elements
 * (0.0.0.0/0, one office CIDR) makes each lookup walk all of them: quadratic.
 */
export const EXACT_MAPS: ForwardMaps = { addr: 'any_addr', port: 'any_port', keep: 'any_keep' };
export const INTERVAL_MAPS: ForwardMaps = { addr: 'fwd_addr', port: 'fwd_port', keep: 'fwd_keep' };
/** Targets of the forwards that masquerade: single ports exact (address . protocol . port), ranges port first. */
export const TARGETS_SET = 'fwd_targets';
export const TARGET_RANGES_SET = 'fwd_target_ranges';

/** The only source an exact-match element can stand for. */
export const ANY_SOURCE = '0.0.0.0/0';

/** dstnat: before routing, so the routing decision sees the translated destination. */
export const DSTNAT_PRIORITY = -100;
/** Before SourceNat's srcnat chain: the first nat chain to translate a connection's source wins. */
export const MASQUERADE_PRIORITY = SRCNAT_PRIORITY - 10;

/**
 * Every rule, where it sits and its comment. The source-specific rules come first; admitted forwards never share a
 * protocol and port (decode.ts), so at most one element of all the maps matches a packet and the order is moot.
 */
export const RULES = {
  rewrite: { chain: PREROUTING_CHAIN, index: 0, comment: 'portforward/rewrite-port' },
  keep: { chain: PREROUTING_CHAIN, index: 1, comment: 'portforward/keep-port' },
  rewriteAny: { chain: PREROUTING_CHAIN, index: 2, comment: 'portforward/rewrite-port-any-source' },
  keepAny: { chain: PREROUTING_CHAIN, index: 3, comment: 'portforward/keep-port-any-source' },
  masquerade: { chain: POSTROUTING_CHAIN, index: 0, comment: 'portforward/masquerade' },
  masqueradeRange: { chain: POSTROUTING_CHAIN, index: 1, comment: 'portforward/masquerade-port-range' },
} as const;

/** Which rules' counters each status counter adds up: details report them as translated connections. */
export const COUNTERS = {
  rewritePortConnections: [RULES.rewrite, RULES.rewriteAny],
  keepPortConnections: [RULES.keep, RULES.keepAny],
  masqueradedConnections: [RULES.masquerade, RULES.masqueradeRange],
} as const;

export const PROTOCOL_NUMBERS = { tcp: 6, udp: 17 } as const;

/** Port forwards across all resources (--max-port-forwards style); each rule counts once. */
export const DEFAULT_MAX_RULES = 20000;
