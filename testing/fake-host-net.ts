// In-memory HostNetPort: a configurable default route and interface addresses.
import type { HostNetPort, InterfaceAddress, RouteInfo } from '../runtime/ports.js';
import { canonicalCidr } from '../runtime/net/cidr.js';

export interface FakeHostNetOptions {
  defaultRoute?: RouteInfo;
  addresses?: InterfaceAddress[];
}

export class FakeHostNet implements HostNetPort {
  route?: RouteInfo;
  addrs: InterfaceAddress[];

  constructor(opts: FakeHostNetOptions = {}) {
    this.route = opts.defaultRoute ? { ...opts.defaultRoute } : undefined;
    this.addrs = (opts.addresses ?? []).map((a) => ({ ...a }));
  }

  defaultRoute(signal: AbortSignal): Promise<RouteInfo | undefined> {
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    return Promise.resolve(this.route ? { ...this.route } : undefined);
  }

  addresses(signal: AbortSignal): Promise<InterfaceAddress[]> {
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    return Promise.resolve(this.addrs.map((a) => ({ ...a })));
  }
}

/** An interface address the way the real adapter reports it: `addr('eth1', '10.0.1.5/24')`. */
export function addr(iface: string, cidr: string): InterfaceAddress {
  return { interface: iface, address: cidr.split('/')[0] ?? '', network: canonicalCidr(cidr) };
}
