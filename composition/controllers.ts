import { fileURLToPath } from 'node:url';
import { createHostNetAdapter } from '../adapters/host-net.js';
import { createCommandSysctlAdapter, createNetnsRunner, inNetns } from '../adapters/netns.js';
import { createNftAdapter } from '../adapters/nft.js';
import { createNftMonitor } from '../adapters/nft-monitor.js';
import { createProcessPort } from '../adapters/daemon-process.js';
import { createSysctlAdapter } from '../adapters/sysctl.js';
import { createTcpCheck } from '../adapters/tcp-connect.js';
import { createLocalInferenceHost } from '../adapters/local-inference-host.js';
import { createS3Weights } from '../adapters/s3-weights.js';
import { lookupSystemUser } from '../adapters/system-user.js';
import { unavailableAwsApis } from '../adapters/aws/unavailable-apis.js';
import type { AwsApis } from '../runtime/aws/api-ports.js';
import type { AnyController } from '../runtime/controller.js';
import type { AwsFacts, HostPorts } from '../runtime/kind-module.js';
import type { CommandRunner } from '../runtime/ports.js';
import { kindModules } from './kinds.js';

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
  /** How vLLM is run (LocalModel): its argv, and the test option that takes any host for one with a GPU. */
  localInference?: { command: readonly string[]; assumeGpu: boolean };
  /** ELBv2 and ACM (composition/aws-apis.ts); without them both fail inert for want of an EC2 identity. */
  awsApis?: AwsApis;
}

const NO_AWS = { unavailable: 'no EC2 identity given to this command' };

/** Runs csgw itself: this module is dist/composition/controllers.js, the CLI dist/cli/main.js. */
const CSGW_SELF = [process.execPath, fileURLToPath(new URL('../cli/main.js', import.meta.url))] as const;

/** Every controller of this node, wired to the real ports: one per kind that has a controller, in kind order. */
export function createControllers(runner: CommandRunner, facts: HostFacts): AnyController[] {
  const host = hostPorts(runner, facts);
  return kindModules.flatMap((m) => (m.createController ? [m.createController(host)] : []));
}

/** The real ports, scoped to the managed namespace when there is one. */
function hostPorts(runner: CommandRunner, facts: HostFacts): HostPorts {
  const scoped = facts.netns ? createNetnsRunner(facts.netns, runner) : runner;
  // One `nft monitor` of the managed namespace tells every owned table of foreign commits (started by the first).
  const monitor = createNftMonitor({ argv: facts.netns ? inNetns(facts.netns, NFT_MONITOR) : NFT_MONITOR });
  return {
    nft: createNftAdapter(scoped, 'nft', monitor),
    sysctl: facts.netns ? createCommandSysctlAdapter(scoped) : createSysctlAdapter(),
    hostNet: createHostNetAdapter(scoped),
    runner: scoped,
    processes: createProcessPort(facts.netns ? (argv) => inNetns(facts.netns!, argv) : undefined),
    vpcCidrs: facts.vpcCidrs,
    limits: facts.limits ?? {},
    self: CSGW_SELF,
    daemons: facts.daemons ?? DEFAULT_DAEMONS,
    systemUser: lookupSystemUser,
    aws: facts.aws ?? NO_AWS,
    localInference: localInferencePorts(scoped, facts),
    awsApis: facts.awsApis ?? unavailableAwsApis(NO_AWS.unavailable),
    tcpConnect: createTcpCheck(facts.netns ? scoped : undefined),
  };
}

function localInferencePorts(scoped: CommandRunner, facts: HostFacts): HostPorts['localInference'] {
  return {
    command: facts.localInference?.command ?? DEFAULT_VLLM_COMMAND,
    host: createLocalInferenceHost(scoped, { assumeGpu: facts.localInference?.assumeGpu ?? false }),
    weights: createS3Weights(facts.aws && 'identity' in facts.aws ? facts.aws.identity.region : undefined),
  };
}

const NFT_MONITOR = ['nft', 'monitor'];

/** vLLM's CLI, found on PATH. */
export const DEFAULT_VLLM_COMMAND = ['vllm'] as const;

/** Where supervised daemons live and what happens to them on shutdown unless the host options say otherwise. */
export const DEFAULT_DAEMONS = { dir: '/var/lib/csgw', onShutdown: 'stop' } as const;
