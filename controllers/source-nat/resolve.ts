import { ControllerError } from '../../runtime/controller.js';
import { cidrRange, parseCidr, rangesOverlap } from '../../runtime/net/cidr.js';
import type { SourceNatSpec } from './spec.js';
import type { ResolvedNat, SourceNatObserved } from './types.js';

/**
 * Resolves the spec's defaults against the host (pure). Source CIDRs default to the VPC CIDRs when the instance
 * knows them, else to the networks connected to every interface but the egress one.
 */
export function resolveNat(spec: SourceNatSpec, observed: SourceNatObserved, vpcCidrs: readonly string[]): ResolvedNat {
  const egress = spec.egressInterface ?? observed.defaultRoute?.interface;
  if (!egress) {
    throw new ControllerError(
      'EgressInterfaceUnknown',
      'no egressInterface in the spec and no IPv4 default route on the host',
    );
  }
  const egressInterfaceSource = spec.egressInterface ? 'spec' : 'defaultRoute';
  if (spec.sourceCidrs)
    return { egressInterface: egress, egressInterfaceSource, sourceCidrs: spec.sourceCidrs, sourceCidrsSource: 'spec' };
  if (vpcCidrs.length > 0)
    return { egressInterface: egress, egressInterfaceSource, sourceCidrs: [...vpcCidrs], sourceCidrsSource: 'vpc' };
  const connected = [...new Set(observed.addresses.filter((a) => a.interface !== egress).map((a) => a.network))];
  if (connected.length === 0) {
    throw new ControllerError(
      'SourceCidrsUnknown',
      `no sourceCidrs in the spec, no VPC CIDR known, and no network besides ${egress}`,
    );
  }
  return {
    egressInterface: egress,
    egressInterfaceSource,
    sourceCidrs: dropNested(connected),
    sourceCidrsSource: 'connectedNetworks',
  };
}

/** Connected networks may nest (a /16 and a /24 inside it); an interval set refuses overlaps, so keep the outer ones. */
function dropNested(cidrs: string[]): string[] {
  const sorted = [...cidrs].sort((a, b) => parseCidr(a).len - parseCidr(b).len);
  return sorted.filter((c, i) => !sorted.slice(0, i).some((outer) => rangesOverlap(cidrRange(outer), cidrRange(c))));
}
