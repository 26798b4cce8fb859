import type { CommandRunner, HostNetPort, InterfaceAddress, RouteInfo } from '../runtime/ports.js';
import { canonicalCidr } from '../runtime/net/cidr.js';
import { abortable } from '../runtime/abortable.js';

interface IpRoute {
  dst?: string;
  dev?: string;
  gateway?: string;
}
interface IpAddr {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}
interface IpFacts {
  routes: IpRoute[];
  links: IpAddr[];
}

export interface HostNetOptions {
  /** A read this recent answers both questions again: one pass asks for the route and the addresses together. */
  maxAgeMs?: number;
  now?: () => number;
}

/** Both reads in one `ip -j -4 -batch -` process: one JSON document per command, one per line. */
const READ_DEADLINE_MS = 30_000;
const BATCH = 'route show default\naddr show\n';

/**
 * `ip -j` reads of the IPv4 routing table and addresses. One process answers both, and callers within `maxAgeMs` of
 * it share it: every process spawned counts against a change's latency (docs/benchmarks.md, issue 17).
 */
export function createHostNetAdapter(runner: CommandRunner, opts: HostNetOptions = {}): HostNetPort {
  const maxAgeMs = opts.maxAgeMs ?? 1_000;
  const now = opts.now ?? Date.now;
  let last: { at: number; facts: Promise<IpFacts> } | undefined;
  // The shared read has a deadline of its own: one caller's cancelled pass must not fail the others' reads.
  function facts(signal: AbortSignal): Promise<IpFacts> {
    const at = now();
    if (last && at - last.at < maxAgeMs) return abortable(last.facts, signal);
    const read = readFacts(runner, AbortSignal.timeout(READ_DEADLINE_MS));
    const entry = { at, facts: read };
    last = entry;
    // A failed read is never shared beyond the callers already waiting for it.
    read.catch(() => {
      if (last === entry) last = undefined;
    });
    return abortable(read, signal);
  }
  return {
    async defaultRoute(signal): Promise<RouteInfo | undefined> {
      const route = (await facts(signal)).routes.find((r) => r.dev);
      return route?.dev ? { interface: route.dev, ...(route.gateway ? { gateway: route.gateway } : {}) } : undefined;
    },
    async addresses(signal): Promise<InterfaceAddress[]> {
      return (await facts(signal)).links.flatMap((link) =>
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

async function readFacts(runner: CommandRunner, signal: AbortSignal): Promise<IpFacts> {
  const result = await runner.run('ip', ['-j', '-4', '-batch', '-'], { input: BATCH, signal });
  if (result.exitCode !== 0) throw new Error(`ip -4 route/addr show: ${result.stderr.trim()}`);
  const [routes, links] = result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
  if (!Array.isArray(routes) || !Array.isArray(links))
    throw new Error(`ip -4 route/addr show: unexpected output (${result.stdout.slice(0, 80)})`);
  return { routes: routes as IpRoute[], links: links as IpAddr[] };
}
