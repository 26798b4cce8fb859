// A three-host test network around the gateway under test:
//
//   client ──(private net)── gateway ──(public net)── server
//
// The client's default route points at the gateway; the server has NO default
// route, so it can only answer addresses on the public subnet: a reply to the
// client comes back only if the gateway NATs the client's traffic.
import { randomBytes } from 'node:crypto';
import type { Container } from 'dockerode';
import { GATEWAY_IMAGE, TESTHOST_IMAGE } from './images.js';
import { containerLogs, createNetwork, execIn, removeRun, startContainer } from './docker.js';
import type { ExecResult } from './docker.js';
import { pickFreeSubnets } from './subnets.js';

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
}

type Hosts = Record<Role, Container>;

const DEFAULT_GATEWAY_PORTS = [4566, 9464];
const DEFAULT_SERVER_PORT = 8080;
const READY_TIMEOUT_MS = 15_000;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'run'
  );
}

// Docker picks a multi-homed container's default route from the network whose
// name sorts first; "net1-public" < "net2-private" gives the gateway its
// default route (and published ports) on the public side, like a real NAT box.
// Retried because a concurrent run may grab the same random subnet.
async function createNetworks(prefix: string, runId: string): Promise<{ pub: Net; priv: Net }> {
  for (let attempt = 1; ; attempt += 1) {
    const [publicSubnet = '', privateSubnet = ''] = await pickFreeSubnets(2);
    const pub = { name: `${prefix}-net1-public`, subnet: publicSubnet };
    const priv = { name: `${prefix}-net2-private`, subnet: privateSubnet };
    try {
      await createNetwork(pub.name, pub.subnet, runId);
      await createNetwork(priv.name, priv.subnet, runId);
      return { pub, priv };
    } catch (error) {
      await removeRun(runId);
      if (attempt >= 3) throw error;
    }
  }
}

function startGateway(
  prefix: string,
  runId: string,
  nets: { pub: Net; priv: Net },
  opts: TopologyOptions,
): Promise<Container> {
  return startContainer({
    name: `${prefix}-gateway`,
    image: GATEWAY_IMAGE,
    runId,
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
  });
}

async function startHosts(
  prefix: string,
  runId: string,
  nets: { pub: Net; priv: Net },
  opts: TopologyOptions,
): Promise<Hosts> {
  const gateway = await startGateway(prefix, runId, nets, opts);
  // NET_ADMIN on the test hosts only to rewrite their own routes (below).
  const server = await startContainer({
    name: `${prefix}-server`,
    image: TESTHOST_IMAGE,
    runId,
    network: nets.pub.name,
    cmd: ['node', '/usr/local/bin/echo-server.mjs', String(opts.serverPort ?? DEFAULT_SERVER_PORT)],
    capAdd: ['NET_ADMIN'],
  });
  const client = await startContainer({
    name: `${prefix}-client`,
    image: TESTHOST_IMAGE,
    runId,
    network: nets.priv.name,
    cmd: ['sleep', 'infinity'],
    capAdd: ['NET_ADMIN'],
  });
  return { gateway, client, server };
}

async function ipOn(container: Container, network: string): Promise<string> {
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`${info.Name} has no address on ${network}`);
  return ip;
}

async function hostPortsOf(container: Container, ports: number[]): Promise<Record<number, number>> {
  const info = await container.inspect();
  const mapped: Record<number, number> = {};
  for (const port of ports) {
    const binding = info.NetworkSettings.Ports[`${port}/tcp`]?.[0];
    if (!binding) throw new Error(`gateway port ${port} was not published`);
    mapped[port] = Number(binding.HostPort);
  }
  return mapped;
}

/** Must succeed, else the topology is unusable: throws with the output. */
async function mustExec(container: Container, argv: string[]): Promise<string> {
  const result = await execIn(container, argv);
  if (result.exitCode !== 0) {
    throw new Error(`${argv.join(' ')} failed (${result.exitCode}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

// Docker does not report interface names; read them from `ip` inside.
async function interfaceFor(gateway: Container, ip: string): Promise<string> {
  const out = await mustExec(gateway, ['ip', '-o', '-4', 'addr', 'show']);
  const line = out.split('\n').find((l) => l.includes(` inet ${ip}/`));
  const name = line?.split(/\s+/)[1];
  if (!name) throw new Error(`no gateway interface holds ${ip}`);
  return name;
}

// Safety net for the network naming trick in createNetworks: should another
// Docker version pick the private side, move the default route (the operator
// may already be running, so this only fixes what Docker got wrong).
async function ensurePublicDefaultRoute(gateway: Container, publicNet: string, publicIf: string): Promise<void> {
  const routes = await mustExec(gateway, ['ip', '-4', 'route', 'show', 'default']);
  if (routes.includes(`dev ${publicIf}`)) return;
  const via = (await gateway.inspect()).NetworkSettings.Networks[publicNet]?.Gateway;
  if (!via) throw new Error(`no Docker gateway address on ${publicNet}`);
  await mustExec(gateway, ['ip', 'route', 'replace', 'default', 'via', via, 'dev', publicIf]);
}

async function waitForEchoServer(server: Container, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const probe = ['curl', '-sf', '--max-time', '1', `http://127.0.0.1:${port}/`];
  while ((await execIn(server, probe)).exitCode !== 0) {
    if (Date.now() > deadline) throw new Error(`echo server not ready on :${port}: ${await containerLogs(server)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

type Facts = Omit<Topology, 'exec' | 'logs' | 'cleanup'>;

async function collectFacts(
  hosts: Hosts,
  nets: { pub: Net; priv: Net },
  opts: TopologyOptions,
  runId: string,
): Promise<Facts> {
  const gatewayPrivateIp = await ipOn(hosts.gateway, nets.priv.name);
  const gatewayPublicIp = await ipOn(hosts.gateway, nets.pub.name);
  return {
    runId,
    privateSubnet: nets.priv.subnet,
    publicSubnet: nets.pub.subnet,
    gatewayPrivateIp,
    gatewayPublicIp,
    gatewayInterfaces: {
      private: await interfaceFor(hosts.gateway, gatewayPrivateIp),
      public: await interfaceFor(hosts.gateway, gatewayPublicIp),
    },
    clientIp: await ipOn(hosts.client, nets.priv.name),
    serverIp: await ipOn(hosts.server, nets.pub.name),
    serverPort: opts.serverPort ?? DEFAULT_SERVER_PORT,
    hostPorts: await hostPortsOf(hosts.gateway, opts.gatewayPorts ?? DEFAULT_GATEWAY_PORTS),
  };
}

/**
 * Builds the networks and the gateway, client and server containers. The
 * gateway runs `opts.gatewayCommand`; the server runs the echo server; the
 * client idles. Everything is labelled csgw.e2e.run=<runId>; on any failure
 * the partial topology is removed before the error propagates.
 */
export async function createTopology(name: string, opts: TopologyOptions = {}): Promise<Topology> {
  const runId = `${slug(name)}-${randomBytes(4).toString('hex')}`;
  const prefix = `csgw-e2e-${runId}`;
  let hosts: Hosts | undefined;
  try {
    const nets = await createNetworks(prefix, runId);
    hosts = await startHosts(prefix, runId, nets, opts);
    const facts = await collectFacts(hosts, nets, opts, runId);
    await ensurePublicDefaultRoute(hosts.gateway, nets.pub.name, facts.gatewayInterfaces.public);
    await mustExec(hosts.client, ['ip', 'route', 'replace', 'default', 'via', facts.gatewayPrivateIp]);
    await mustExec(hosts.server, ['ip', 'route', 'del', 'default']);
    await waitForEchoServer(hosts.server, facts.serverPort);
    const started = hosts;
    return {
      ...facts,
      exec: (role, argv) => execIn(started[role], argv),
      logs: (role) => containerLogs(started[role]),
      cleanup: () => removeRun(runId),
    };
  } catch (error) {
    // A gateway that exited at once is the usual cause: keep its output.
    const logs = hosts ? await containerLogs(hosts.gateway).catch(() => '') : '';
    await removeRun(runId);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`createTopology(${name}) failed: ${message}${logs && `\n--- gateway logs ---\n${logs}`}`, {
      cause: error,
    });
  }
}
