import { createHostNetAdapter } from '../adapters/host-net.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createSysctlAdapter } from '../adapters/sysctl.js';
import type { AnyController } from '../runtime/controller.js';
import type { CommandRunner } from '../runtime/ports.js';
import { createSourceNatController } from './source-nat/index.js';

export interface HostFacts {
  /** The VPC's CIDRs when known (instance metadata or --vpc-cidr). */
  vpcCidrs: readonly string[];
}

/** Every controller of this node, wired to the real ports. */
export function createControllers(runner: CommandRunner, facts: HostFacts): AnyController[] {
  const nft = createNftAdapter(runner);
  const sysctl = createSysctlAdapter();
  const hostNet = createHostNetAdapter(runner);
  return [createSourceNatController({ ports: { nft, sysctl, hostNet }, vpcCidrs: facts.vpcCidrs })];
}
