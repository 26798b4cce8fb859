import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import type { HostPorts, KindModule } from '../../runtime/kind-module.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { createLoadBalancerController } from './index.js';
import type { IpvsPort } from './ipvs-port.js';
import type { MembershipTracker } from './membership/types.js';
import { validateLoadBalancerSpec } from './spec.js';
import { createMembershipTracker } from './membership/tracker.js';

export interface LoadBalancerWiring {
  /** The IPVS adapter (adapters/ipvs.ts), built by the composition root: controllers never import adapters. */
  ipvs: (runner: CommandRunner) => IpvsPort;
  /** Default: ELBv2 through host.awsApis and TCP checks through host.tcpConnect (tests pass a fake). */
  membership?: (host: HostPorts) => MembershipTracker;
}

export function loadBalancerModule(wiring: LoadBalancerWiring): KindModule {
  return {
    definition: loadBalancerKind,
    validateSpec: validateLoadBalancerSpec,
    createController: (host) =>
      createLoadBalancerController({
        nft: host.nft,
        ipvs: wiring.ipvs(host.runner),
        sysctl: host.sysctl,
        membership: wiring.membership
          ? wiring.membership(host)
          : createMembershipTracker({ elbv2: host.awsApis.elbv2, tcpCheck: host.tcpConnect }),
      }),
  };
}
