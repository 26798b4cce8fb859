import type { SourceNatSpec } from '../../controllers/source-nat/spec.js';
import { EXCLUDE_SET, SOURCE_SET } from '../../controllers/source-nat/names.js';
import { buildNatTable } from '../../controllers/source-nat/table.js';
import type { FirewallPacket } from '../../controllers/firewall/types.js';
import { cidrContains } from '../../runtime/net/cidr.js';

export interface SourceNatVerdict {
  translated: boolean;
  by: 'PortForward' | 'LoadBalancer' | 'SourceNat';
  how: string;
}

/** Outbound NAT decided on the table SourceNat would apply, with its sets as the kernel looks them up (pure). */
export function explainSourceNat(
  spec: SourceNatSpec,
  knownSources: readonly string[] | undefined,
  packet: FirewallPacket,
): SourceNatVerdict {
  const verdict = (translated: boolean, how: string): SourceNatVerdict => ({ translated, by: 'SourceNat', how });
  if (!spec.enable) return verdict(false, 'SourceNat is disabled');
  const sourceCidrs = spec.sourceCidrs ?? knownSources;
  if (!sourceCidrs || sourceCidrs.length === 0)
    return verdict(false, 'unknown offline: sources default to the host networks (give --vpc-cidr)');
  const egress = spec.egressInterface ?? '<default route interface>';
  const table = buildNatTable('explain', spec, {
    egressInterface: egress,
    egressInterfaceSource: spec.egressInterface ? 'spec' : 'defaultRoute',
    sourceCidrs: [...sourceCidrs],
    sourceCidrsSource: spec.sourceCidrs ? 'spec' : 'vpc',
  });
  const inSet = (name: string, ip: string): boolean =>
    (table.sets.find((s) => s.name === name)?.elements ?? []).some((cidr) => cidrContains(cidr, ip));
  if (!inSet(SOURCE_SET, packet.src)) return verdict(false, `${packet.src} is not in the source networks`);
  if (inSet(SOURCE_SET, packet.dst)) return verdict(false, `${packet.dst} is inside the source networks (no NAT)`);
  if (inSet(EXCLUDE_SET, packet.dst)) return verdict(false, `${packet.dst} is an excluded destination`);
  const to = spec.mode === 'snat' ? `snat to ${spec.snatAddress ?? '?'}` : 'masquerade';
  return verdict(true, `${to} when leaving by ${egress}`);
}
