import { createHostNetAdapter } from '../adapters/host-net.js';
import { createCommandSysctlAdapter, createNetnsRunner } from '../adapters/netns.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createSysctlAdapter } from '../adapters/sysctl.js';
import type { AnyController } from '../runtime/controller.js';
import type { CommandRunner } from '../runtime/ports.js';
import { createAwsControllers, type AwsFacts } from './aws.js';
import { createFirewallController } from './firewall/index.js';
import { createPortForwardController } from './port-forward/index.js';
import { createSourceNatController } from './source-nat/index.js';

export interface HostFacts {
  /** The VPC's CIDRs when known (--vpc-cidr / CSGW_VPC_CIDRS). */
  vpcCidrs: readonly string[];
  /** Most rules the merged FirewallPolicy / PortForward resources may hold (defaults: each controller's own). */
  limits?: { firewallRules?: number; portForwards?: number };
  /** Manage this named network namespace instead of the host's own (labs, tests). */
  netns?: string;
  /** The EC2 side of this node; without it the EC2 kinds report why they cannot work here. */
  aws?: AwsFacts | { unavailable: string };
}

const NO_AWS = { unavailable: 'no EC2 identity given to this command' };

/** Every controller of this node, wired to the real ports. */
export function createControllers(runner: CommandRunner, facts: HostFacts): AnyController[] {
  const scoped = facts.netns ? createNetnsRunner(facts.netns, runner) : runner;
  const nft = createNftAdapter(scoped);
  const sysctl = facts.netns ? createCommandSysctlAdapter(scoped) : createSysctlAdapter();
  const hostNet = createHostNetAdapter(scoped);
  return [
    createSourceNatController({ ports: { nft, sysctl, hostNet }, vpcCidrs: facts.vpcCidrs }),
    createPortForwardController({
      ports: { nft, sysctl },
      ...(facts.limits?.portForwards ? { maxRules: facts.limits.portForwards } : {}),
    }),
    createFirewallController({
      ports: { nft },
      ...(facts.limits?.firewallRules ? { maxRules: facts.limits.firewallRules } : {}),
    }),
    ...createAwsControllers(facts.aws ?? NO_AWS),
  ];
}
