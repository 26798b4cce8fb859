import { clientSource } from './lb-lab.js';
import type { BenchService } from './lb-table.js';

/** iperf3's port on the targets and the `sh` service's listener; the connection server's port and the `rr` one's. */
export const IPERF_PORT = 5201;
export const CONN_PORT = 8080;

export interface L4Scenario {
  name: string;
  description: string;
  /** The LoadBalancer resources whose table the gateway has (undefined: an empty ruleset, conntrack off). */
  services?: BenchService[];
  /** The client address this scenario's connections come from (its own: lb-lab.ts says why). */
  source: string;
  /** Where iperf3 connects (one target: every connection of one iperf3 test must reach the same server). */
  iperf: { host: string; port: number };
  /** Where the connection load goes, in turn. */
  conn: { host: string; port: number }[];
}

export const L4_SCENARIO_NAMES = ['bare', 'direct', 'lb', 'lb-snat'] as const;

/**
 * Two resources: `conn` (rr over every target) for connections per second, and `iperf` (sh: the client's
 * address picks one target) for throughput, because an iperf3 test's control and data connections must all
 * reach the same iperf3 server, which rr would spread. Past a flow's first packet both are the same conntrack NAT
 * path, so the scheduler does not change throughput.
 */
export function benchServices(sourceNat: boolean): BenchService[] {
  return [
    { name: 'bench-conn', port: CONN_PORT, scheduler: 'rr', sourceNat },
    { name: 'bench-iperf', port: IPERF_PORT, scheduler: 'sh', sourceNat },
  ];
}

/**
 * The scenarios by name. `direct` and `bare` reach the targets by their own addresses through the gateway (same
 * hop count as balanced traffic), spreading connections over all targets from the client as the balancer does;
 * `direct` has the balancer's table loaded (so conntrack runs, as on any gateway with NAT) and `bare` nothing.
 */
export function l4Scenarios(
  lab: { gatewayIp: string; targetIps: readonly string[] },
  names: readonly string[],
): L4Scenario[] {
  const first = lab.targetIps[0];
  if (first === undefined) throw new Error('no targets');
  const directConn = lab.targetIps.map((host) => ({ host, port: CONN_PORT }));
  const viaLb = {
    iperf: { host: lab.gatewayIp, port: IPERF_PORT },
    conn: [{ host: lab.gatewayIp, port: CONN_PORT }],
  };
  const all: Record<string, Omit<L4Scenario, 'source'>> = {
    bare: {
      name: 'bare',
      description: 'client -> target addresses, routed by the gateway, empty ruleset (no conntrack)',
      iperf: { host: first, port: IPERF_PORT },
      conn: directConn,
    },
    direct: {
      name: 'direct',
      description: "client -> target addresses, routed by the gateway with the balancer's table loaded (conntrack on)",
      services: benchServices(false),
      iperf: { host: first, port: IPERF_PORT },
      conn: directConn,
    },
    lb: {
      name: 'lb',
      description: `client -> ${lab.gatewayIp} listeners: nftables dnat, rr (conn) / sh (iperf) over ${lab.targetIps.length} targets`,
      services: benchServices(false),
      ...viaLb,
    },
    'lb-snat': {
      name: 'lb-snat',
      description: 'as lb, with sourceNat: the ct mark and masquerade in postrouting',
      services: benchServices(true),
      ...viaLb,
    },
  };
  return names.map((name) => {
    const s = all[name];
    if (!s) throw new Error(`--l4-scenarios: unknown scenario ${name} (known: ${L4_SCENARIO_NAMES.join(', ')})`);
    return { ...s, source: clientSource(L4_SCENARIO_NAMES.indexOf(name as (typeof L4_SCENARIO_NAMES)[number])) };
  });
}
