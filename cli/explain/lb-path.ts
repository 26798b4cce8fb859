import type { FirewallPacket } from '../../controllers/firewall/types.js';
import type { KernelTarget } from '../../controllers/load-balancer/types.js';
import { filterVerdict, forwardPath, sourceNatVerdict, stripLocal, type PacketPath, type TargetPath } from './hooks.js';
import type { LbHit } from './load-balancer.js';
import type { ExplainModel, ExplainPacket } from './packet-path.js';
import type { SourceNatVerdict } from './source-nat.js';

const MASQUERADE: SourceNatVerdict = {
  translated: true,
  by: 'LoadBalancer',
  how: 'masquerade to the gateway address facing the target (spec.sourceNat)',
};

/**
 * What follows a listener hit. nftables: the dnat to the target, then the forward chain sees the target as the
 * destination, per target when the scheduler cannot be followed offline. IPVS: the packet keeps its destination
 * through the input chain, where IPVS takes it (IPVS's forwarded packets pass neither the forward chain nor the IPS).
 */
export function balancedPaths(
  model: ExplainModel,
  packet: ExplainPacket,
  lb: LbHit,
): PacketPath | { targets: TargetPath[] } {
  if (lb.mechanism === 'ipvs') return ipvsPath(model, packet, lb);
  const toTarget = (target: KernelTarget): PacketPath => {
    const filtered: FirewallPacket = { ...stripLocal(packet), dst: target.address, dport: target.port };
    const snat = (p: FirewallPacket): SourceNatVerdict => (lb.sourceNat ? MASQUERADE : sourceNatVerdict(model, p));
    return forwardPath(model, filtered, 'forward', packet.domain, snat);
  };
  if (lb.pick.kind === 'exact') return toTarget(lb.pick.target);
  if (lb.pick.kind === 'oneOf') return { targets: lb.targets.map((target) => ({ target, ...toTarget(target) })) };
  return { targets: [] };
}

function ipvsPath(model: ExplainModel, packet: ExplainPacket, lb: LbHit): PacketPath {
  const filtered = stripLocal(packet);
  const filter = filterVerdict(model.firewall, 'input', filtered);
  const path: PacketPath = { filtered, chain: 'input', filter };
  if (filter.action !== 'allow' || lb.pick.kind === 'none' || lb.pick.kind === 'unknown') return path;
  const snat: SourceNatVerdict = lb.sourceNat
    ? MASQUERADE
    : { translated: false, by: 'LoadBalancer', how: 'the client address is kept (sourceNat false)' };
  return { ...path, snat };
}
