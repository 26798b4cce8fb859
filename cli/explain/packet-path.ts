import type { FirewallChainName, FirewallPacket } from '../../controllers/firewall/types.js';
import { translate, type ForwardTranslation } from '../../controllers/port-forward/index.js';
import type { PortForwardDesired } from '../../controllers/port-forward/types.js';
import type { SourceNatSpec } from '../../controllers/source-nat/spec.js';
import {
  forwardPath,
  sourceNatVerdict,
  stripLocal,
  type FirewallModel,
  type PacketPath,
  type TargetPath,
} from './hooks.js';
import type { DomainQuery, IpsModel } from './ips.js';
import { balancedPaths } from './lb-path.js';
import { explainLoadBalancer, type LbHit, type LbModel, type LbStep } from './load-balancer.js';
import type { SourceNatVerdict } from './source-nat.js';

export type { PacketPath, TargetPath };

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
  loadBalancer?: LbModel;
  firewall?: FirewallModel;
  sourceNat?: { spec: SourceNatSpec; sourceCidrs?: readonly string[] };
  ips?: IpsModel;
}

interface ExplanationHead {
  packet: ExplainPacket;
  /** The LoadBalancer's listener lookup; absent when no LoadBalancer resource exists. */
  lb?: LbStep;
  dnat: ForwardTranslation;
}

/**
 * One path, or (a LoadBalancer on nftables that cannot name its target) one per target it may choose: empty when
 * no target takes the connection or the targets are unknown offline.
 */
export type Explanation = ExplanationHead & (PacketPath | { targets: TargetPath[] });

/**
 * Walks prerouting (LoadBalancer at -105, then PortForward's dNAT at -100) → forward or input (firewall) → IPS →
 * postrouting (masquerade / SourceNat); pure. On the IPVS path the LoadBalancer only marks in prerouting: PortForward
 * translates first, and IPVS takes the connection on the input hook after the firewall's input chain.
 */
export function explainPacket(model: ExplainModel, packet: ExplainPacket): Explanation {
  const lb = explainLoadBalancer(model.loadBalancer, packet);
  if (lb?.hit && lb.mechanism === 'nftables') {
    const dnat = { forwarded: false as const, reason: `LoadBalancer/${lb.resource} translated it first` };
    return { packet, lb, dnat, ...balancedPaths(model, packet, lb) };
  }
  const dnat: ForwardTranslation = model.portForward
    ? translate(model.portForward, packet)
    : { forwarded: false, reason: 'no PortForward resource' };
  if (lb?.hit && !dnat.forwarded) return { packet, lb, dnat, ...balancedPaths(model, packet, lb) };
  const filtered = afterDnat(packet, dnat);
  const chain: FirewallChainName = packet.dstIsLocal && !dnat.forwarded ? 'input' : 'forward';
  const step = lb?.hit && dnat.forwarded ? shadowedByPortForward(lb, dnat.resource) : lb;
  const head: ExplanationHead = { packet, ...(step ? { lb: step } : {}), dnat };
  return { ...head, ...forwardPath(model, filtered, chain, packet.domain, snatOf(model, dnat)) };
}

function afterDnat(packet: ExplainPacket, dnat: ForwardTranslation): FirewallPacket {
  const stripped = stripLocal(packet);
  return dnat.forwarded ? { ...stripped, dst: dnat.destinationIp, dport: dnat.destinationPort } : stripped;
}

/** IPVS marks in prerouting and takes connections on the input hook: a PortForward's dnat (-100) comes first. */
function shadowedByPortForward(lb: LbHit, portForward: string): LbStep {
  return {
    hit: false,
    reason:
      `LoadBalancer/${lb.resource} listens here, but on the IPVS path PortForward/${portForward} ` +
      'translates the connection in prerouting, before IPVS sees it on the input hook',
  };
}

function snatOf(model: ExplainModel, dnat: ForwardTranslation): (packet: FirewallPacket) => SourceNatVerdict {
  if (dnat.forwarded && dnat.masquerade)
    return () => ({ translated: true, by: 'PortForward', how: 'masquerade to the gateway address facing the target' });
  return (packet) => sourceNatVerdict(model, packet);
}
