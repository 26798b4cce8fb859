import { SRCNAT_PRIORITY } from '../../renderers/nft/priorities.js';

/** Every nftables name the PortForward controller owns. It owns this one table and nothing else. */
export const DNAT_TABLE = { family: 'inet', name: 'csgw_dnat' } as const;
export const PREROUTING_CHAIN = 'prerouting';
export const POSTROUTING_CHAIN = 'postrouting';

/**
 * Forwards that rewrite the port: two maps with the same keys, one for the address and one for the port. nft 1.0.6
 * cannot read a map with a concatenated value (ipv4_addr . inet_service) back from JSON, so the value is split.
 */
export const ADDR_MAP = 'fwd_addr';
export const PORT_MAP = 'fwd_port';
/** Forwards that keep the port (ranges, and single ports without destinationPort): key -> target address. */
export const KEEP_MAP = 'fwd_keep';
/** Targets (address . protocol . port) of the forwards that masquerade. */
export const TARGETS_SET = 'fwd_targets';

/** dstnat: before routing, so the routing decision sees the translated destination. */
export const DSTNAT_PRIORITY = -100;
/** Before SourceNat's srcnat chain: the first nat chain to translate a connection's source wins. */
export const MASQUERADE_PRIORITY = SRCNAT_PRIORITY - 10;

/** Where each rule's counter sits: details report them as translated connections. */
export const RULES = {
  rewrite: { chain: PREROUTING_CHAIN, index: 0, comment: 'portforward/rewrite-port' },
  keep: { chain: PREROUTING_CHAIN, index: 1, comment: 'portforward/keep-port' },
  masquerade: { chain: POSTROUTING_CHAIN, index: 0, comment: 'portforward/masquerade' },
} as const;

export const PROTOCOL_NUMBERS = { tcp: 6, udp: 17 } as const;

/** Port forwards across all resources (--max-port-forwards style); each rule counts once. */
export const DEFAULT_MAX_RULES = 20000;
