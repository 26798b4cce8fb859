import { evaluateCompiled } from '../../controllers/firewall/compile/evaluate.js';
import type { FirewallState } from '../../controllers/firewall/decode.js';
import type {
  CompiledFirewall,
  FirewallChainName,
  FirewallPacket,
  FirewallVerdict,
} from '../../controllers/firewall/types.js';
import type { KernelTarget } from '../../controllers/load-balancer/types.js';
import { explainIps, type DomainQuery, type IpsStep } from './ips.js';
import type { ExplainModel } from './packet-path.js';
import { explainSourceNat, type SourceNatVerdict } from './source-nat.js';

export type FilterVerdict = FirewallVerdict & { filteredBy: 'FirewallPolicy' | 'none'; comment?: string };

export type FirewallModel = { state: FirewallState; compiled?: CompiledFirewall };

/** The FirewallPolicy's verdict on a chain, with the deciding rule's comment; allow when nothing filters it. */
export function filterVerdict(
  firewall: FirewallModel | undefined,
  chain: FirewallChainName,
  packet: FirewallPacket,
): FilterVerdict {
  const policy = firewall?.state.policy;
  if (!firewall?.compiled || !policy || (chain === 'input' && !policy.input))
    return { action: 'allow', filteredBy: 'none' };
  const verdict = evaluateCompiled(firewall.compiled, chain, packet, policy);
  const comment = policy[chain]?.rules.find((r) => r.id === verdict.ruleId)?.comment;
  return { ...verdict, filteredBy: 'FirewallPolicy', ...(comment ? { comment } : {}) };
}

/** The 5-tuple without explain's own fields, as the filter chains see it. */
export function stripLocal(packet: FirewallPacket): FirewallPacket {
  return {
    src: packet.src,
    dst: packet.dst,
    protocol: packet.protocol,
    ...(packet.dport === undefined ? {} : { dport: packet.dport }),
  };
}

/** The filter chain, the IPS and source NAT on one way through the gateway. */
export interface PacketPath {
  /** The packet after destination NAT: what the filter chains see. */
  filtered: FirewallPacket;
  chain: FirewallChainName;
  filter: FilterVerdict;
  /** The IPS, after the forward filter accepted the packet; absent when there is nothing to say about it. */
  ips?: IpsStep;
  /** Source NAT on the way out; absent when the packet is dropped or delivered to the gateway itself. */
  snat?: SourceNatVerdict;
}

/** One target a LoadBalancer may send the connection to, and what happens on the way there. */
export interface TargetPath extends PacketPath {
  target: KernelTarget;
}

/** The filter chain, then (forwarded and allowed) the IPS and source NAT. */
export function forwardPath(
  model: ExplainModel,
  filtered: FirewallPacket,
  chain: FirewallChainName,
  domain: DomainQuery | undefined,
  snat: (packet: FirewallPacket) => SourceNatVerdict,
): PacketPath {
  const filter = filterVerdict(model.firewall, chain, filtered);
  const path: PacketPath = { filtered, chain, filter };
  if (filter.action !== 'allow' || chain === 'input') return path;
  const ips = explainIps(model.ips, filtered, domain);
  return { ...path, ...(ips ? { ips } : {}), snat: snat(filtered) };
}

/** What SourceNat's srcnat chain does with a connection nothing translated before it. */
export function sourceNatVerdict(model: ExplainModel, packet: FirewallPacket): SourceNatVerdict {
  if (!model.sourceNat) return { translated: false, by: 'SourceNat', how: 'no SourceNat resource' };
  return explainSourceNat(model.sourceNat.spec, model.sourceNat.sourceCidrs, packet);
}
