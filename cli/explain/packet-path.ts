import { evaluateCompiled } from '../../controllers/firewall/compile/evaluate.js';
import type { FirewallState } from '../../controllers/firewall/decode.js';
import type {
  CompiledFirewall,
  FirewallChainName,
  FirewallPacket,
  FirewallVerdict,
} from '../../controllers/firewall/types.js';
import { translate, type ForwardTranslation } from '../../controllers/port-forward/index.js';
import type { PortForwardDesired } from '../../controllers/port-forward/types.js';
import type { SourceNatSpec } from '../../controllers/source-nat/spec.js';
import { explainIps, type DomainQuery, type IpsModel, type IpsStep } from './ips.js';
import { explainSourceNat, type SourceNatVerdict } from './source-nat.js';

/** The first packet of a connection, as the user describes it. */
export interface ExplainPacket extends FirewallPacket {
  /** dst is one of the gateway's own addresses (where port forwards listen). */
  dstIsLocal: boolean;
  /** The TLS SNI or HTTP Host the connection carries (--sni, --host). */
  domain?: DomainQuery;
}

/** The desired state explain evaluates: each part the same compiled model its controller applies. */
export interface ExplainModel {
  portForward?: PortForwardDesired;
  firewall?: { state: FirewallState; compiled?: CompiledFirewall };
  sourceNat?: { spec: SourceNatSpec; sourceCidrs?: readonly string[] };
  ips?: IpsModel;
}

export interface Explanation {
  packet: ExplainPacket;
  dnat: ForwardTranslation;
  /** The packet after destination NAT: what the filter chains see. */
  filtered: FirewallPacket;
  chain: FirewallChainName;
  filter: FirewallVerdict & { filteredBy: 'FirewallPolicy' | 'none'; comment?: string };
  /** The IPS, after the forward filter accepted the packet; absent when there is nothing to say about it. */
  ips?: IpsStep;
  /** Source NAT on the way out; absent when the packet is dropped or delivered to the gateway itself. */
  snat?: SourceNatVerdict;
}

/** Walks prerouting (dNAT) → forward or input (firewall) → IPS → postrouting (masquerade / SourceNat); pure. */
export function explainPacket(model: ExplainModel, packet: ExplainPacket): Explanation {
  const dnat: ForwardTranslation = model.portForward
    ? translate(model.portForward, packet)
    : { forwarded: false, reason: 'no PortForward resource' };
  const filtered: FirewallPacket = dnat.forwarded
    ? { ...packet, dst: dnat.destinationIp, dport: dnat.destinationPort }
    : stripLocal(packet);
  const chain: FirewallChainName = packet.dstIsLocal && !dnat.forwarded ? 'input' : 'forward';
  const filter = filterVerdict(model.firewall, chain, filtered);
  const explanation: Explanation = { packet, dnat, filtered, chain, filter };
  if (filter.action !== 'allow' || chain === 'input') return explanation;
  const ips = explainIps(model.ips, filtered, packet.domain);
  return { ...explanation, ...(ips ? { ips } : {}), snat: snatVerdict(model, dnat, filtered) };
}

function stripLocal(packet: ExplainPacket): FirewallPacket {
  return {
    src: packet.src,
    dst: packet.dst,
    protocol: packet.protocol,
    ...(packet.dport === undefined ? {} : { dport: packet.dport }),
  };
}

function filterVerdict(
  firewall: ExplainModel['firewall'],
  chain: FirewallChainName,
  packet: FirewallPacket,
): Explanation['filter'] {
  const policy = firewall?.state.policy;
  if (!firewall?.compiled || !policy || (chain === 'input' && !policy.input))
    return { action: 'allow', filteredBy: 'none' };
  const verdict = evaluateCompiled(firewall.compiled, chain, packet, policy);
  const comment = policy[chain]?.rules.find((r) => r.id === verdict.ruleId)?.comment;
  return { ...verdict, filteredBy: 'FirewallPolicy', ...(comment ? { comment } : {}) };
}

function snatVerdict(model: ExplainModel, dnat: ForwardTranslation, packet: FirewallPacket): SourceNatVerdict {
  if (dnat.forwarded && dnat.masquerade)
    return { translated: true, by: 'PortForward', how: 'masquerade to the gateway address facing the target' };
  if (!model.sourceNat) return { translated: false, by: 'SourceNat', how: 'no SourceNat resource' };
  return explainSourceNat(model.sourceNat.spec, model.sourceNat.sourceCidrs, packet);
}
