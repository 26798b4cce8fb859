import type { Command } from 'commander';
import { domainFilterKind } from '../../crds-equivalent/domain-filter.js';
import { firewallPolicyKind } from '../../crds-equivalent/firewall-policy.js';
import { intrusionPreventionKind } from '../../crds-equivalent/intrusion-prevention.js';
import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import { portForwardKind } from '../../crds-equivalent/port-forward.js';
import { ruleSetKind } from '../../crds-equivalent/rule-set.js';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import type { KindDefinition } from '../../crds-equivalent/index.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { InstanceStatus } from '../../runtime/status-types.js';
import { checkCidrList } from '../../runtime/net/cidr.js';
import { collect, loadValidResources, outputOption } from '../command-helpers.js';
import { CliError, currentPaths, withSsm, type CliContext } from '../context.js';
import { parseDomainQuery } from '../explain/ips.js';
import { buildExplainModel } from '../explain/model.js';
import { explainPacket, type ExplainPacket } from '../explain/packet-path.js';
import { formatExplanation } from '../explain/format.js';
import { listStoredResources } from '../resources.js';
import { readFleetStatus } from './status.js';

const KINDS: readonly KindDefinition[] = [
  loadBalancerKind,
  portForwardKind,
  firewallPolicyKind,
  sourceNatKind,
  intrusionPreventionKind,
  domainFilterKind,
  ruleSetKind,
];
const FORMATS = ['table', 'json'] as const;
const LB_PATHS = ['ipvs', 'nftables'] as const;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

const HELP = `
Evaluates the desired LoadBalancer, PortForward, FirewallPolicy and SourceNat specs offline, on the same compiled
tables the controllers apply: a LoadBalancer listener (prerouting -105) and destination NAT (-100), then the
firewall's forward chain (or its input chain for connections to the gateway itself), then source NAT on the way out.
Specs come from SSM, or from manifests with -f. A LoadBalancer's targets (membership, health, drains) come from the
status an instance published (SSM only; --instance picks it), else from the spec's static targets.
A forwarded connection then meets the IntrusionPrevention: whether spec.inspect queues it to Suricata, and with
--sni or --host what its DomainFilter rules do with that name (other Suricata rules read payloads explain never sees).

Examples:
  csgw explain --src 10.0.1.5 --dst 93.184.216.34 --dport 443 --proto tcp
  csgw explain --src 203.0.113.7 --dst 10.0.0.10 --to-gateway --dport 8080 -f policies/
  csgw explain --src 10.0.1.5 --dst 93.184.216.34 --dport 443 --sni www.example.com
  csgw explain --src 203.0.113.7 --dst 10.0.0.10 --to-gateway --dport 80 --instance i-0123456789abcdef0`;

interface ExplainOptions {
  src: string;
  dst: string;
  dport?: string;
  proto: 'tcp' | 'udp' | 'icmp';
  toGateway?: boolean;
  sni?: string;
  host?: string;
  filename: string[];
  vpcCidr: string[];
  instance?: string;
  lbPath?: string;
  output: (typeof FORMATS)[number];
}

export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .description('show what the gateway does with a connection: translation, verdict and the deciding rule')
    .requiredOption('--src <ip>', 'source address')
    .requiredOption('--dst <ip>', 'destination address')
    .option('--dport <port>', 'destination port (tcp/udp)')
    .option('--proto <protocol>', 'tcp, udp or icmp', 'tcp')
    .option('--to-gateway', 'the destination is an address of the gateway itself (where port forwards listen)')
    .option('--sni <name>', 'the TLS server name (SNI) the connection carries, for the IPS DomainFilter rules')
    .option('--host <name>', 'the HTTP Host the connection carries, for the IPS DomainFilter rules')
    .option('-f, --filename <path>', 'read specs from manifest files instead of SSM (repeatable)', collect, [])
    .option('--vpc-cidr <cidr...>', "SourceNat's default source networks, as given to csgw run", [])
    .option('--instance <id>', "read LoadBalancer targets from this instance's status (default: the latest)")
    .option(
      '--lb-path <path>',
      'the LoadBalancer kernel path, ipvs or nftables (default: as status says, else nftables)',
    )
    .addOption(outputOption(FORMATS))
    .addHelpText('after', HELP)
    .action(async (opts: ExplainOptions) => explain(ctx, opts));
}

async function explain(ctx: CliContext, opts: ExplainOptions): Promise<void> {
  const packet = parsePacket(opts);
  const { snapshots, statuses } =
    opts.filename.length > 0
      ? { snapshots: await fromManifests(ctx, opts.filename), statuses: [] }
      : await fromSsm(ctx);
  const lbPath = LB_PATHS.find((p) => p === opts.lbPath);
  const { model, notes } = buildExplainModel(snapshots, opts.vpcCidr, {
    statuses,
    ...(opts.instance !== undefined ? { instanceId: opts.instance } : {}),
    ...(lbPath ? { mechanism: lbPath } : {}),
  });
  for (const note of notes) ctx.stderr.write(`warning: ${note}\n`);
  const explanation = explainPacket(model, packet);
  ctx.stdout.write(
    opts.output === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation),
  );
}

function parsePacket(opts: ExplainOptions): ExplainPacket {
  const errors = [
    ...(['tcp', 'udp', 'icmp'].includes(opts.proto) ? [] : [`--proto: ${opts.proto} is not tcp, udp or icmp`]),
    ...[opts.src, opts.dst].filter((ip) => !IPV4.test(ip)).map((ip) => `${ip} is not an IPv4 address`),
    ...checkCidrList('--vpc-cidr', opts.vpcCidr),
    ...lbPathErrors(opts.lbPath),
  ];
  const domain = parseDomainQuery(opts, opts.proto);
  if (!domain.ok) errors.push(domain.error);
  const dport = opts.dport === undefined ? undefined : Number(opts.dport);
  if (opts.proto !== 'icmp' && (dport === undefined || !Number.isInteger(dport) || dport < 1 || dport > 65535))
    errors.push(`--dport: a port 1-65535 is needed for ${opts.proto}`);
  if (errors.length > 0) throw new CliError(errors.join('; '));
  return {
    src: opts.src,
    dst: opts.dst,
    protocol: opts.proto,
    dstIsLocal: opts.toGateway === true,
    ...(opts.proto !== 'icmp' && dport !== undefined ? { dport } : {}),
    ...(domain.ok && domain.query ? { domain: domain.query } : {}),
  };
}

function lbPathErrors(lbPath: string | undefined): string[] {
  return lbPath === undefined || LB_PATHS.some((p) => p === lbPath)
    ? []
    : [`--lb-path: ${lbPath} is not ipvs or nftables`];
}

/** Manifests count as written in file order, so earlier documents win PortForward conflicts. */
async function fromManifests(ctx: CliContext, files: readonly string[]): Promise<KindSnapshot[]> {
  const resources = await loadValidResources(ctx, files, true);
  return KINDS.map((kind) => ({
    kind: kind.kind,
    resources: resources
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.kind.kind === kind.kind)
      .map(({ r, i }) => ({
        name: r.name,
        generation: 1,
        value: JSON.stringify(r.spec),
        modifiedAt: new Date(i * 1000).toISOString(),
      })),
  }));
}

/** The stored specs, and every readable instance status (for the LoadBalancer's published targets). */
async function fromSsm(ctx: CliContext): Promise<{ snapshots: KindSnapshot[]; statuses: InstanceStatus[] }> {
  const paths = currentPaths(ctx);
  return withSsm(ctx, async (client) => {
    const snapshots = await Promise.all(
      KINDS.map(async (kind) => ({
        kind: kind.kind,
        resources: (await listStoredResources(client, paths, kind)).map((r) => ({
          name: r.name,
          generation: r.generation,
          value: r.value,
          ...(r.lastModified ? { modifiedAt: r.lastModified.toISOString() } : {}),
        })),
      })),
    );
    const hasLb = snapshots.some((s) => s.kind === loadBalancerKind.kind && s.resources.length > 0);
    const reports = hasLb ? await readFleetStatus(client, paths) : [];
    return { snapshots, statuses: reports.flatMap((r) => (r.status ? [r.status] : [])) };
  });
}
