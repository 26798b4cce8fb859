// A three-host test network around the gateway under test:
//
//   client ──(private net)── gateway ──(public net)── server
//
// The client's default route points at the gateway; the server has NO default
// route, so it can only answer addresses on the public subnet: a reply to the
// client comes back only if the gateway NATs the client's traffic.
import { randomBytes } from 'node:crypto';
import type { StartedTestContainer } from 'testcontainers';
import { GATEWAY_IMAGE, TESTHOST_IMAGE } from './images.js';
import { ContainerOutput, execIn, startHost } from './container.js';
import type { ExecResult } from './container.js';
import { createNetwork, removeRun } from './docker.js';
import { firstHost, pickFreeSubnets } from './subnets.js';

export type Role = 'gateway' | 'client' | 'server';

export interface TopologyOptions {
  /** Arguments for the gateway image's entrypoint (node /app/dist/cli/main.js). */
  gatewayCommand?: string[];
  /** Replaces the entrypoint, e.g. ['sleep', 'infinity'] for an idle gateway. */
  gatewayEntrypoint?: string[];
  gatewayEnv?: Record<string, string>;
  /** Gateway ports published on 127.0.0.1 (default: SSM 4566, admin 9464). */
  gatewayPorts?: number[];
  /** Port of the echo server on the server host (default 8080). */
  serverPort?: number;
  /**
   * More ports the server's echo server listens on (same endpoints, plain HTTP), e.g. [443] for a CONNECT through a
   * proxy. Default none.
   */
  serverExtraPorts?: number[];
  /**
   * /etc/hosts entries added to the gateway once every host runs (before createTopology resolves): host name ->
   * an IPv4 address, or 'server' / 'client' for that host's address (on the public / private network). For daemons
   * in the gateway that resolve names, e.g. a forward proxy: { 'allowed.example': 'server' }.
   */
  gatewayHosts?: Record<string, string>;
  /** Replaces the gateway image (default csgw/gateway:dev), e.g. for a hand-built variant. */
  gatewayImage?: string;
}

export interface Topology {
  readonly runId: string;
  readonly privateSubnet: string;
  readonly publicSubnet: string;
  readonly gatewayPrivateIp: string;
  readonly gatewayPublicIp: string;
  /** Interface names inside the gateway, e.g. { private: 'eth1', public: 'eth0' }. */
  readonly gatewayInterfaces: { private: string; public: string };
  readonly clientIp: string;
  readonly serverIp: string;
  readonly serverPort: number;
  /** Docker network names, for more hosts a test starts (e2e/harness/extra-host.ts). */
  readonly networks: { public: string; private: string };
  /** Gateway container port -> port on 127.0.0.1 of the host. */
  readonly hostPorts: Readonly<Record<number, number>>;
  exec(role: Role, argv: string[]): Promise<ExecResult>;
  logs(role: Role): Promise<string>;
  /** Removes every container and network of this run; safe to call twice. */
  cleanup(): Promise<void>;
}

interface Net {
  name: string;
  subnet: string;
  /** The bridge's own address on the net (Docker's gateway for it). */
  gateway: string;
}

interface Nets {
  pub: Net;
  priv: Net;
}

type Hosts = Record<Role, StartedTestContainer>;

/** One createTopology call: what it started so far, and everyone's output. */
interface Run {
  runId: string;
  prefix: string;
  started: Partial<Hosts>;
  output: Record<Role, ContainerOutput>;
}

const DEFAULT_GATEWAY_PORTS = [4566, 9464];
const DEFAULT_SERVER_PORT = 8080;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'run'
  );
}

/** The test's name as a slug plus random hex: concurrent runs never share a label or a container name. */
export function newRunId(name: string): string {
  return `${slug(name)}-${randomBytes(4).toString('hex')}`;
}

// Docker picks a multi-homed container's default route from the network whose
// name sorts first; "net1-public" < "net2-private" gives the gateway its
// default route (and published ports) on the public side, like a real NAT box.
// Retried because a concurrent run may grab the same random subnet.
async function createNetworks(run: Run): Promise<Nets> {
  for (let attempt = 1; ; attempt += 1) {
    const [publicSubnet = '', privateSubnet = ''] = await pickFreeSubnets(2);
    const net = (suffix: string, subnet: string): Net => ({
      name: `${run.prefix}-${suffix}`,
      subnet,
      gateway: firstHost(subnet),
    });
    const nets = { pub: net('net1-public', publicSubnet), priv: net('net2-private', privateSubnet) };
    try {
      await createNetwork(nets.pub.name, nets.pub.subnet, nets.pub.gateway, run.runId);
      await createNetwork(nets.priv.name, nets.priv.subnet, nets.priv.gateway, run.runId);
      return nets;
    } catch (error) {
      await removeRun(run.runId);
      if (attempt >= 3) throw error;
    }
  }
}

function startGateway(run: Run, nets: Nets, opts: TopologyOptions): Promise<StartedTestContainer> {
  return startHost({
    name: `${run.prefix}-gateway`,
    image: opts.gatewayImage ?? GATEWAY_IMAGE,
    runId: run.runId,
    network: nets.priv.name,
    extraNetworks: [nets.pub.name],
    ...(opts.gatewayEntrypoint ? { entrypoint: opts.gatewayEntrypoint } : {}),
    ...(opts.gatewayCommand ? { cmd: opts.gatewayCommand } : {}),
    env: opts.gatewayEnv ?? {},
    capAdd: ['NET_ADMIN'],
    // A new netns inherits the host's ip_forward (1 here): force 0 so the
    // operator has to turn it on, as on a fresh instance.
    sysctls: { 'net.ipv4.ip_forward': '0' },
    // Docker's default read-only paths minus /proc/sys, so the operator can
    // write net.* sysctls of its own netns without SYS_ADMIN (the API form
    // of a narrower --security-opt systempaths=unconfined).
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger'],
    ports: opts.gatewayPorts ?? DEFAULT_GATEWAY_PORTS,
    output: run.output.gateway,
  });
}

// Started one by one into run.started, so a failure leaves nothing untracked.
// NET_ADMIN on the test hosts only to rewrite their own routes (below).
async function startHosts(run: Run, nets: Nets, opts: TopologyOptions): Promise<Hosts> {
  const host = { runId: run.runId, image: TESTHOST_IMAGE, capAdd: ['NET_ADMIN'] };
  const serverPorts = [opts.serverPort ?? DEFAULT_SERVER_PORT, ...(opts.serverExtraPorts ?? [])];
  const ready = serverPorts.map((port) => `curl -sf --max-time 1 http://127.0.0.1:${port}/ >/dev/null`);
  const gateway = (run.started.gateway = await startGateway(run, nets, opts));
  const server = (run.started.server = await startHost({
    ...host,
    name: `${run.prefix}-server`,
    network: nets.pub.name,
    cmd: ['node', '/usr/local/bin/echo-server.mjs', ...serverPorts.map(String)],
    readyCommand: ready.join(' && '),
    output: run.output.server,
  }));
  const client = (run.started.client = await startHost({
    ...host,
    name: `${run.prefix}-client`,
    network: nets.priv.name,
    cmd: ['sleep', 'infinity'],
    output: run.output.client,
  }));
  return { gateway, client, server };
}

function ipOn(container: StartedTestContainer, network: string): string {
  const ip = container.getNetworkNames().includes(network) ? container.getIpAddress(network) : '';
  if (!ip) throw new Error(`${container.getName()} has no address on ${network}`);
  return ip;
}

/** Must succeed, else the topology is unusable: throws with the output. */
async function mustExec(container: StartedTestContainer, argv: string[]): Promise<string> {
  const result = await execIn(container, argv);
  if (result.exitCode !== 0) {
    throw new Error(`${argv.join(' ')} failed (${result.exitCode}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

// Docker does not report interface names; read them from `ip` inside.
async function interfaceFor(gateway: StartedTestContainer, ip: string): Promise<string> {
  const out = await mustExec(gateway, ['ip', '-o', '-4', 'addr', 'show']);
  const line = out.split('\n').find((l) => l.includes(` inet ${ip}/`));
  const name = line?.split(/\s+/)[1];
  if (!name) throw new Error(`no gateway interface holds ${ip}`);
  return name;
}

// Safety net for the network naming trick in createNetworks: should another
// Docker version pick the private side, move the default route (the operator
// may already be running, so this only fixes what Docker got wrong).
async function ensurePublicDefaultRoute(
  gateway: StartedTestContainer,
  publicNet: Net,
  publicIf: string,
): Promise<void> {
  const routes = await mustExec(gateway, ['ip', '-4', 'route', 'show', 'default']);
  if (routes.includes(`dev ${publicIf}`)) return;
  await mustExec(gateway, ['ip', 'route', 'replace', 'default', 'via', publicNet.gateway, 'dev', publicIf]);
}

/** Appends opts.gatewayHosts to the gateway's /etc/hosts (Docker's per-container copy, writable by root). */
async function addGatewayHosts(gateway: StartedTestContainer, facts: Facts, opts: TopologyOptions): Promise<void> {
  const roles: Record<string, string> = { server: facts.serverIp, client: facts.clientIp };
  const lines = Object.entries(opts.gatewayHosts ?? {}).map(([name, target]) => `${roles[target] ?? target} ${name}`);
  if (lines.length === 0) return;
  await mustExec(gateway, ['sh', '-c', 'printf "%s\\n" "$@" >>/etc/hosts', 'sh', ...lines]);
}

type Facts = Omit<Topology, 'exec' | 'logs' | 'cleanup'>;

async function collectFacts(run: Run, hosts: Hosts, nets: Nets, opts: TopologyOptions): Promise<Facts> {
  const gatewayPrivateIp = ipOn(hosts.gateway, nets.priv.name);
  const gatewayPublicIp = ipOn(hosts.gateway, nets.pub.name);
  const ports = opts.gatewayPorts ?? DEFAULT_GATEWAY_PORTS;
  return {
    runId: run.runId,
    privateSubnet: nets.priv.subnet,
    publicSubnet: nets.pub.subnet,
    gatewayPrivateIp,
    gatewayPublicIp,
    gatewayInterfaces: {
      private: await interfaceFor(hosts.gateway, gatewayPrivateIp),
      public: await interfaceFor(hosts.gateway, gatewayPublicIp),
    },
    clientIp: ipOn(hosts.client, nets.priv.name),
    serverIp: ipOn(hosts.server, nets.pub.name),
    serverPort: opts.serverPort ?? DEFAULT_SERVER_PORT,
    networks: { public: nets.pub.name, private: nets.priv.name },
    hostPorts: Object.fromEntries(ports.map((port) => [port, hosts.gateway.getMappedPort(port)])),
  };
}

/** Stops what testcontainers started, then sweeps anything else of the run. */
async function teardown(run: Run): Promise<void> {
  await Promise.allSettled(Object.values(run.started).map((container) => container.stop()));
  await removeRun(run.runId);
}

/**
 * Builds the networks and the gateway, client and server containers. The
 * gateway runs `opts.gatewayCommand`; the server runs the echo server; the
 * client idles. Everything is labelled csgw.e2e.run=<runId>; on any failure
 * the partial topology is removed before the error propagates.
 */
export async function createTopology(name: string, opts: TopologyOptions = {}): Promise<Topology> {
  const runId = newRunId(name);
  const output = { gateway: new ContainerOutput(), client: new ContainerOutput(), server: new ContainerOutput() };
  const run: Run = { runId, prefix: `csgw-e2e-${runId}`, started: {}, output };
  try {
    const nets = await createNetworks(run);
    const hosts = await startHosts(run, nets, opts);
    const facts = await collectFacts(run, hosts, nets, opts);
    await ensurePublicDefaultRoute(hosts.gateway, nets.pub, facts.gatewayInterfaces.public);
    await addGatewayHosts(hosts.gateway, facts, opts);
    await mustExec(hosts.client, ['ip', 'route', 'replace', 'default', 'via', facts.gatewayPrivateIp]);
    await mustExec(hosts.server, ['ip', 'route', 'del', 'default']);
    return {
      ...facts,
      exec: (role, argv) => execIn(hosts[role], argv),
      logs: (role) => Promise.resolve(output[role].toString()),
      cleanup: () => teardown(run),
    };
  } catch (error) {
    await teardown(run);
    // A gateway that exited at once is the usual cause: keep its output.
    const logs = output.gateway.toString();
    const message = error instanceof Error ? error.message : String(error);
    const detail = `${message}${logs && `\n--- gateway logs ---\n${logs}`}`;
    throw new Error(`createTopology(${name}) failed (run ${runId}): ${detail}`, { cause: error });
  }
}
