import { SRCNAT_PRIORITY } from '../../renderers/nft/priorities.js';

/** The one nft table the LoadBalancer controller owns, whichever kernel path it takes. */
export const LB_TABLE = { family: 'ip', name: 'csgw_lb' } as const;
/** One rule per virtual service: its listener, then a goto to its chain. */
export const LISTENERS_CHAIN = 'listeners';
export const PREROUTING_CHAIN = 'prerouting';
export const OUTPUT_CHAIN = 'output';
export const POSTROUTING_CHAIN = 'postrouting';

/** Just before PortForward's dstnat (-100): a LoadBalancer listener is looked up first. */
export const LB_DSTNAT_PRIORITY = -105;
/** IPVS path: marks are set in mangle position, before IPVS's own hooks (NAT_DST + 1/2) see the packet. */
export const LB_MARK_PRIORITY = -150;
/** Before SourceNat's srcnat chain, like PortForward's masquerade: the first nat chain to translate wins. */
export const LB_MASQUERADE_PRIORITY = SRCNAT_PRIORITY - 10;

/**
 * IPVS fwmark virtual services of ours carry marks in this range (base + service id, id 1..0xffff): services with
 * other marks, or with addresses, belong to someone else and are never touched.
 */
export const FWMARK_BASE = 0x4c420000;
export const FWMARK_MASK = 0xffff0000;
/** A conntrack mark bit: connections of sourceNat services, masqueraded in postrouting. */
export const MASQUERADE_CT_BIT = 0x00100000;

export const PROTOCOL_NUMBERS = { TCP: 6, UDP: 17 } as const;

/** LoadBalancer resources admitted at once (each is one virtual service and one id). */
export const DEFAULT_MAX_SERVICES = 1024;

export const serviceChain = (id: number): string => `svc-${hex4(id)}`;
export const markChain = (id: number): string => `mark-${hex4(id)}`;
export const targetChain = (id: number, address: string, port: number): string => `tgt-${hex4(id)}-${address}-${port}`;

/** svc-<id>, mark-<id> and tgt-<id>-<address>-<port>, read back from a listed table. */
export const TARGET_CHAIN_PATTERN = /^tgt-([0-9a-f]{4})-(\d+\.\d+\.\d+\.\d+)-(\d+)$/;
export const SERVICE_CHAIN_PATTERN = /^svc-([0-9a-f]{4})$/;

function hex4(id: number): string {
  return id.toString(16).padStart(4, '0');
}
