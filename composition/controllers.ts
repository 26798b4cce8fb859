import { createHostNetAdapter } from '../adapters/host-net.js';
import { createCommandSysctlAdapter, createNetnsRunner, inNetns } from '../adapters/netns.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createProcessPort } from '../adapters/daemon-process.js';
import { createSysctlAdapter } from '../adapters/sysctl.js';
import { lookupSystemUser } from '../adapters/system-user.js';
import type { FileOwner } from '../runtime/daemon/revisions.js';
import type { AnyController } from '../runtime/controller.js';
import type { CommandRunner } from '../runtime/ports.js';
import { createAwsControllers, type AwsFacts } from './aws-controllers.js';
import { createFirewallController } from '../controllers/firewall/index.js';
import { createForwardProxyController } from '../controllers/forward-proxy/index.js';
import { createPortForwardController } from '../controllers/port-forward/index.js';
import { createSourceNatController } from '../controllers/source-nat/index.js';

export interface HostFacts {
  /** The VPC's CIDRs when known (--vpc-cidr / CSGW_VPC_CIDRS). */
  vpcCidrs: readonly string[];
  /** Most rules the merged FirewallPolicy / PortForward resources may hold (defaults: each controller's own). */
  limits?: { firewallRules?: number; portForwards?: number };
  /** Supervised daemons (squid): where their files live, and whether they outlive the operator. */
  daemons?: { dir: string; onShutdown: 'stop' | 'keep' };
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
    createForwardProxyController({
      runner: scoped,
      processes: createProcessPort(facts.netns ? (argv) => inNetns(facts.netns!, argv) : undefined),
      daemonDir: facts.daemons?.dir ?? DEFAULT_DAEMONS.dir,
      user: { name: SQUID_USER, ...ownerOf(SQUID_USER) },
      vpcCidrs: facts.vpcCidrs,
      onShutdown: facts.daemons?.onShutdown ?? DEFAULT_DAEMONS.onShutdown,
    }),
    ...createAwsControllers(facts.aws ?? NO_AWS),
  ];
}

/** Debian's squid package runs squid as proxy. */
const SQUID_USER = 'proxy';
/** Where supervised daemons live and what happens to them on shutdown unless the host options say otherwise. */
export const DEFAULT_DAEMONS = { dir: '/var/lib/csgw', onShutdown: 'stop' } as const;

function ownerOf(user: string): { owner?: FileOwner } {
  const owner = lookupSystemUser(user);
  return owner ? { owner } : {};
}
