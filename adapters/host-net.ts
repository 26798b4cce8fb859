import type { CommandRunner, HostNetPort, InterfaceAddress, RouteInfo } from '../runtime/ports.js';
import { canonicalCidr } from '../runtime/net/cidr.js';

interface IpRoute {
  dst?: string;
  dev?: string;
  gateway?: string;
}
interface IpAddr {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** `ip -j` reads of the IPv4 routing table and addresses. */
export function createHostNetAdapter(runner: CommandRunner): HostNetPort {
  async function ipJson<T>(args: string[], signal: AbortSignal): Promise<T[]> {
    const result = await runner.run('ip', ['-j', ...args], { signal });
    if (result.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
    return result.stdout.trim() ? (JSON.parse(result.stdout) as T[]) : [];
  }
  return {
    async defaultRoute(signal): Promise<RouteInfo | undefined> {
      const routes = await ipJson<IpRoute>(['-4', 'route', 'show', 'default'], signal);
      const route = routes.find((r) => r.dev);
      return route?.dev ? { interface: route.dev, ...(route.gateway ? { gateway: route.gateway } : {}) } : undefined;
    },
    async addresses(signal): Promise<InterfaceAddress[]> {
      const links = await ipJson<IpAddr>(['-4', 'addr', 'show'], signal);
      return links.flatMap((link) =>
        (link.addr_info ?? [])
          .filter((a) => a.family === 'inet' && a.local && link.ifname && link.ifname !== 'lo')
          .map((a) => ({
            interface: link.ifname ?? '',
            address: a.local ?? '',
            network: canonicalCidr(`${a.local ?? ''}/${a.prefixlen ?? 32}`),
          })),
      );
    },
  };
}
