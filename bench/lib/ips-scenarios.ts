import type { ChainPolicy, PolicyRule } from '../../controllers/firewall/types.js';
import type { Manifest } from '../../e2e/harness/index.js';
import { formatPortRange } from '../../policy/ports.js';

/**
 * The data-plane configurations of the IPS throughput benchmark, as the manifests a user would apply: SourceNat is
 * always on; a scenario adds a FirewallPolicy and/or an IntrusionPrevention. Switching scenarios applies what the
 * next one has and deletes what it has not.
 */
export interface IpsScenario {
  name: string;
  description: string;
  firewall: boolean;
  /** The IntrusionPrevention spec, absent when the scenario runs without Suricata. */
  ips?: Record<string, unknown>;
}

export const IPS_SCENARIO_NAMES = ['nat', 'firewall', 'ips-1q', 'ips-percore', 'ips-bypass'] as const;

/** An SSM parameter (advanced tier) holds at most 8 KB: each FirewallPolicy resource stays below this. */
export const SPEC_BYTES_MAX = 8192;

export interface IpsScenarioOptions {
  rules: number;
  /** Queues of the per-core scenarios (the machine's cores). */
  cores: number;
  /** Extra IntrusionPrevention spec fields of every IPS scenario (mode, packagedRules, failureMode, …). */
  ipsBase: Record<string, unknown>;
  /** spec.bypass.afterBytes of the bypass scenario; undefined when the IntrusionPrevention kind has no bypass. */
  bypassAfterBytes?: number;
}

export function ipsScenarios(names: readonly string[], o: IpsScenarioOptions): IpsScenario[] {
  const ips = (queues: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...o.ipsBase,
    queues,
    ...extra,
  });
  const all: IpsScenario[] = [
    { name: 'nat', description: 'SourceNat only', firewall: false },
    { name: 'firewall', description: `SourceNat + ${o.rules}-rule FirewallPolicy (default allow)`, firewall: true },
    { name: 'ips-1q', description: 'NAT + firewall + IPS, 1 queue (1 Suricata worker)', firewall: true, ips: ips(1) },
    {
      name: 'ips-percore',
      description: `NAT + firewall + IPS, ${o.cores} queues (one worker per core)`,
      firewall: true,
      ips: ips(o.cores),
    },
  ];
  if (o.bypassAfterBytes !== undefined)
    all.push({
      name: 'ips-bypass',
      description: `NAT + firewall + IPS, ${o.cores} queues, bypass after ${o.bypassAfterBytes} bytes of a flow`,
      firewall: true,
      ips: ips(o.cores, { bypass: { afterBytes: o.bypassAfterBytes } }),
    });
  return names.flatMap((name) => {
    const s = all.find((x) => x.name === name);
    if (s) return [s];
    // Asked for, but the kind has no bypass: said in the run's output, not an error.
    if (name === 'ips-bypass') return [];
    throw new Error(`unknown scenario ${name} (known: ${IPS_SCENARIO_NAMES.join(', ')})`);
  });
}

/**
 * A compiled-policy rule as a FirewallPolicy spec rule (the schema's field names; empty lists mean any; a single port
 * is a number, a range "first-last").
 */
export function specRule(rule: PolicyRule): Record<string, unknown> {
  return {
    action: rule.action,
    ...(rule.sources.length > 0 ? { sourceCidrs: rule.sources } : {}),
    ...(rule.destinations.length > 0 ? { destinationCidrs: rule.destinations } : {}),
    protocol: rule.protocol,
    ...(rule.ports.length > 0
      ? { destinationPorts: rule.ports.map((p) => (p.first === p.last ? p.first : formatPortRange(p))) }
      : {}),
  };
}

/**
 * The policy as FirewallPolicy resources `<prefix>-000`, `<prefix>-001`, … in rule order (spec.order keeps them in
 * sequence), each spec under `maxBytes` of JSON; the first carries the default action.
 */
export function policyManifests(policy: ChainPolicy, prefix = 'bench', maxBytes = SPEC_BYTES_MAX - 512): Manifest[] {
  const specs: Record<string, unknown>[][] = [[]];
  let size = 0;
  for (const rule of policy.rules.map(specRule)) {
    const bytes = JSON.stringify(rule).length + 1;
    if (size + bytes > maxBytes && specs[specs.length - 1]!.length > 0) {
      specs.push([]);
      size = 0;
    }
    specs[specs.length - 1]!.push(rule);
    size += bytes;
  }
  return specs.map((rules, i) => ({
    kind: 'FirewallPolicy',
    name: `${prefix}-${String(i).padStart(3, '0')}`,
    spec: { order: 1000 + i, ...(i === 0 ? { defaultAction: policy.defaultAction } : {}), rules },
  }));
}
