import { IP_FORWARD } from '../forwarding-common/forwarding.js';

/** Every nftables name the SourceNat controller owns. It owns this one table and nothing else. */
export const NAT_TABLE = { family: 'inet', name: 'csgw_nat' } as const;
export const POSTROUTING_CHAIN = 'postrouting';
export const SOURCE_SET = 'source_cidrs';
export const EXCLUDE_SET = 'exclude_daddrs';
export { SRCNAT_PRIORITY } from '../../renderers/nft/priorities.js';

export const SYSCTL = {
  /** SourceNat owns it for every controller that needs forwarding (docs/adr/0007-ip-forward-owner.md). */
  ipForward: IP_FORWARD,
  rpFilter: 'net.ipv4.conf.all.rp_filter',
  conntrackMax: 'net.netfilter.nf_conntrack_max',
  tcpEstablishedTimeout: 'net.netfilter.nf_conntrack_tcp_timeout_established',
} as const;

export const OBSERVED_SYSCTLS: readonly string[] = Object.values(SYSCTL);

export function ruleComment(resourceName: string): string {
  return `sourcenat/${resourceName}`;
}
