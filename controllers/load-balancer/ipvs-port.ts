/**
 * IPVS as the LoadBalancer controller sees it (adapters/ipvs.ts runs ipvsadm; testing/fake-ipvs.ts models it). The
 * port lives with its only user: no other controller drives IPVS.
 */
export type IpvsForward = 'masq' | 'gate' | 'ipip';

export interface IpvsRealServer {
  address: string;
  port: number;
  weight: number;
  forward: IpvsForward;
}

/** One virtual service from `ipvsadm -S -n`: a firewall-mark service, or an address one (never ours). */
export interface IpvsService {
  /** -f <mark>; undefined for -t/-u services. */
  fwmark?: number;
  /** "-t 10.0.0.1:80" style for address services. */
  virtual?: string;
  /** -6: an IPv6 service (never ours). */
  ipv6: boolean;
  scheduler: string;
  realServers: IpvsRealServer[];
}

export interface IpvsPort {
  /** Whether ipvsadm runs and the kernel has ip_vs (ipvsadm loads the module itself when it can). */
  available(signal: AbortSignal): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Every virtual service and its real servers (`ipvsadm -S -n`). */
  save(signal: AbortSignal): Promise<IpvsService[]>;
  /** One `ipvsadm -R` run of these lines (ipvsadm arguments, e.g. "-a -f 1 -r 10.0.0.1:80 -m -w 1"). */
  restore(lines: readonly string[], signal: AbortSignal): Promise<void>;
}
