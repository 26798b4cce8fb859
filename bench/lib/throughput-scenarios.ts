import { compileFirewall } from '../../controllers/firewall/compile/compile.js';
import { firstMatch } from '../../controllers/firewall/compile/first-match.js';
import { FILTER_TABLE } from '../../controllers/firewall/compile/names.js';
import type { ChainPolicy } from '../../controllers/firewall/types.js';
import { buildNatTable } from '../../controllers/source-nat/table.js';
import type { Topology } from '../../e2e/harness/index.js';
import type { NftTable } from '../../renderers/nft/model.js';
import { NAIVE_FILTER, naiveFirewallTable, withoutEstablished } from './naive-tables.js';
import { firewallRules } from './rule-gen.js';

/** One data-plane configuration of the gateway; `filter` names the chain whose default rule counts evaluated packets. */
export interface Scenario {
  name: string;
  description: string;
  tables: NftTable[];
  filter?: { table: { family: string; name: string }; chain: string };
}

export const SCENARIO_NAMES = ['bare', 'nat', 'compiled', 'linear', 'compiled-noct', 'linear-noct'] as const;

/**
 * The policy: `size` generated rules that never touch the topology's two subnets, default allow. The iperf3 flow
 * therefore matches no rule: every lookup (or every linear rule) runs, and the chain's default rule accepts it.
 */
export function throughputPolicy(t: Topology, size: number, seed: number): ChainPolicy {
  const policy: ChainPolicy = {
    rules: firewallRules(size, seed, { avoid: [t.privateSubnet, t.publicSubnet] }),
    defaultAction: 'allow',
  };
  for (const packet of [
    { src: t.clientIp, dst: t.serverIp, protocol: 'tcp' as const, dport: 5201 },
    { src: t.clientIp, dst: t.serverIp, protocol: 'udp' as const, dport: 5201 },
    { src: t.serverIp, dst: t.clientIp, protocol: 'tcp' as const, dport: 40000 },
  ]) {
    const verdict = firstMatch(policy, packet);
    if (verdict.ruleId) throw new Error(`the generated policy matches the benchmark flow (${verdict.ruleId})`);
  }
  return policy;
}

export function throughputScenarios(t: Topology, policy: ChainPolicy, names: readonly string[]): Scenario[] {
  const nat = buildNatTable(
    'bench',
    { enable: true, mode: 'masquerade' },
    {
      egressInterface: t.gatewayInterfaces.public,
      egressInterfaceSource: 'spec',
      sourceCidrs: [t.privateSubnet],
      sourceCidrsSource: 'spec',
    },
  );
  const compiled = compileFirewall({ forward: policy }).table;
  const compiledFilter = { table: FILTER_TABLE, chain: 'forward' };
  const naiveFilter = { table: NAIVE_FILTER, chain: 'forward' };
  const n = policy.rules.length;
  const all: Scenario[] = [
    { name: 'bare', description: 'forwarding, no nft table', tables: [] },
    { name: 'nat', description: 'SourceNat masquerade table only', tables: [nat] },
    {
      name: 'compiled',
      description: `NAT + ${n}-rule compiled policy (${compiled.sets.length} set lookups), ct shortcut first`,
      tables: [nat, compiled],
      filter: compiledFilter,
    },
    {
      name: 'linear',
      description: `NAT + the same policy as ${n} linear rules, ct shortcut first`,
      tables: [nat, naiveFirewallTable(policy)],
      filter: naiveFilter,
    },
    {
      name: 'compiled-noct',
      description: `NAT + compiled policy without the ct shortcut: every packet runs ${compiled.sets.length} lookups`,
      tables: [nat, withoutEstablished(compiled)],
      filter: compiledFilter,
    },
    {
      name: 'linear-noct',
      description: `NAT + ${n} linear rules without the ct shortcut: every packet walks the chain`,
      tables: [nat, naiveFirewallTable(policy, { established: false })],
      filter: naiveFilter,
    },
  ];
  return names.map((name) => {
    const s = all.find((x) => x.name === name);
    if (!s) throw new Error(`unknown scenario ${name} (known: ${SCENARIO_NAMES.join(', ')})`);
    return s;
  });
}
