import type { KindDefinition } from '../crds-equivalent/index.js';
import type { AwsApis } from './aws/api-ports.js';
import type { Ec2Port, InstanceIdentity } from './aws/ports.js';
import type { AnyController } from './controller.js';
import type { FileOwner } from './daemon/revisions.js';
import type { ProcessPort } from './daemon/types.js';
import type { LeaseGuard } from './lease/fencing.js';
import type { LocalInferencePorts } from './local-inference.js';
import type { CommandRunner, HostNetPort, NftPort, SysctlPort, TcpConnectCheck } from './ports.js';
import type { Validation } from './spec-validation.js';

/** EC2 through the operational role, per account (undefined: the home account). Never the instance role. */
export type Ec2For = (accountId?: string) => Ec2Port;

/** What the EC2 controllers of one node need: who it is, its EC2 ports, and the guards of its lease scopes. */
export interface AwsFacts {
  identity: InstanceIdentity;
  /** EC2 with the instance role: the base features (master EIP, source/dest check). */
  ec2: Ec2Port;
  operationalEc2: Ec2For;
  leases: { cluster: LeaseGuard; az: LeaseGuard };
}

/** Every port and host fact a controller may be built with; the composition root fills it once. */
export interface HostPorts {
  nft: NftPort;
  sysctl: SysctlPort;
  hostNet: HostNetPort;
  /** Runs commands in the managed namespace. */
  runner: CommandRunner;
  processes: ProcessPort;
  /** The VPC's CIDRs when known (--vpc-cidr). */
  vpcCidrs: readonly string[];
  /** Most rules the merged FirewallPolicy / PortForward resources may hold (default: each controller's own). */
  limits: { firewallRules?: number; portForwards?: number };
  /** The argv that runs csgw itself ([node, .../dist/cli/main.js]): daemons that are csgw subcommands. */
  self: readonly string[];
  /** Supervised daemons: where their files live, and whether they outlive the operator. */
  daemons: { dir: string; onShutdown: 'stop' | 'keep' };
  /** The account a daemon runs as, when it exists on this host. */
  systemUser(name: string): FileOwner | undefined;
  /** The EC2 side of this node, or why there is none. */
  aws: AwsFacts | { unavailable: string };
  /** GPUs, the vLLM executable and model weights from S3 (LocalModel). */
  localInference: LocalInferencePorts;
  /** ELBv2 (LoadBalancer) and ACM (TlsTermination) through the operational role; failing inert when unavailable. */
  awsApis: AwsApis;
  /** TCP connects from the managed namespace (LoadBalancer health checks). */
  tcpConnect: TcpConnectCheck;
}

/**
 * A kind, registered once: its definition (CRD document, schema, CLI columns, paths), its spec validation (shared by
 * the operator and `csgw apply`) and, for kinds that have one, how its controller is built from the host's ports.
 * Kinds only referred to by others (DomainFilter, Secret) have no controller.
 */
export interface KindModule {
  definition: KindDefinition;
  validateSpec(raw: unknown): Validation<unknown>;
  createController?(host: HostPorts): AnyController;
}
