import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { inNs } from '../../lab/topology.js';
import type { Cleanup } from './cleanup.js';

/**
 * The L4 balancer lab: network namespaces on the real kernel, one veth per link, every target one routed hop
 * behind the gateway whatever the path (direct or balanced):
 *
 *   client (10.77.0.2) ── gateway (10.77.0.1 | 10.78.k.1) ── target k (10.78.k.2), k = 1..targets
 *
 * Targets route back through the gateway, so the balancer needs no source NAT (the `sourceNat` variant masquerades
 * anyway). Namespaces are `csgw-l{c,g,t<k>}-<id>`, removed by the cleanup.
 */
export interface LbLab {
  id: string;
  clientNs: string;
  gatewayNs: string;
  targetNs: string[];
  clientIp: string;
  /** The gateway's client-side address: where the balancer's listeners are reached. */
  gatewayIp: string;
  targetIps: string[];
  /** Runs argv in a namespace and returns stdout; throws on a non-zero exit. */
  run(ns: string, argv: string[]): Promise<string>;
}

export const LAB_CLIENT_IP = '10.77.0.2';
export const LAB_GATEWAY_IP = '10.77.0.1';
export const targetIp = (k: number): string => `10.78.${k}.2`;
/**
 * Extra client addresses, one per scenario: a target keeps TIME_WAIT for 60 s, and a SYN for the same 4-tuple from
 * another scenario (the same client port reaching the target directly, then through the balancer) carries another
 * timestamp offset and sequence, which TIME_WAIT refuses half the time. Own addresses keep scenarios apart.
 */
export const clientSource = (i: number): string => `10.77.0.${11 + i}`;
export const CLIENT_SOURCES = 8;

async function sh(argv: string[]): Promise<string> {
  const [file = '', ...args] = argv;
  return (await execa(file, args)).stdout;
}

/** The commands that build the lab, in order (pure: the unit test reads them). */
export function labSteps(id: string, targets: number): { namespaces: string[]; steps: string[][] } {
  const clientNs = `csgw-lc-${id}`;
  const gatewayNs = `csgw-lg-${id}`;
  const targetNs = Array.from({ length: targets }, (_, i) => `csgw-lt${i + 1}-${id}`);
  const gw = (argv: string[]): string[] => inNs(gatewayNs, argv);
  const up = (ns: string, dev: string): string[] => inNs(ns, ['ip', 'link', 'set', dev, 'up']);
  const steps: string[][] = [
    ...[gatewayNs, clientNs, ...targetNs].map((ns) => ['ip', 'netns', 'add', ns]),
    gw(['ip', 'link', 'add', `lc-${id}`, 'type', 'veth', 'peer', 'name', `lcc-${id}`, 'netns', clientNs]),
    gw(['ip', 'addr', 'add', `${LAB_GATEWAY_IP}/24`, 'dev', `lc-${id}`]),
    up(gatewayNs, 'lo'),
    up(gatewayNs, `lc-${id}`),
    gw(['sysctl', '-qw', 'net.ipv4.ip_forward=1']),
    up(clientNs, 'lo'),
    up(clientNs, `lcc-${id}`),
    inNs(clientNs, ['ip', 'addr', 'add', `${LAB_CLIENT_IP}/24`, 'dev', `lcc-${id}`]),
    ...Array.from({ length: CLIENT_SOURCES }, (_, i) =>
      inNs(clientNs, ['ip', 'addr', 'add', `${clientSource(i)}/24`, 'dev', `lcc-${id}`]),
    ),
    inNs(clientNs, ['ip', 'route', 'add', 'default', 'via', LAB_GATEWAY_IP]),
    // Many short connections: the whole port range, so a run of tens of thousands never waits for a free port.
    inNs(clientNs, ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65535']),
    // TLS clients close first (TIME_WAIT on the client): reuse such ports for new connections (timestamps keep it safe).
    inNs(clientNs, ['sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1']),
  ];
  targetNs.forEach((ns, i) => {
    const k = i + 1;
    const [gwIf, tIf] = [`lt${k}-${id}`, `ltt${k}-${id}`];
    steps.push(
      gw(['ip', 'link', 'add', gwIf, 'type', 'veth', 'peer', 'name', tIf, 'netns', ns]),
      gw(['ip', 'addr', 'add', `10.78.${k}.1/24`, 'dev', gwIf]),
      up(gatewayNs, gwIf),
      up(ns, 'lo'),
      up(ns, tIf),
      inNs(ns, ['ip', 'addr', 'add', `${targetIp(k)}/24`, 'dev', tIf]),
      inNs(ns, ['ip', 'route', 'add', 'default', 'via', `10.78.${k}.1`]),
    );
  });
  return { namespaces: [gatewayNs, clientNs, ...targetNs], steps };
}

/** Creates the lab and registers its removal (deleting a namespace deletes its veth ends and their peers). */
export async function createLbLab(cleanup: Cleanup, targets = 3): Promise<LbLab> {
  const id = randomBytes(2).toString('hex');
  const { namespaces, steps } = labSteps(id, targets);
  const [gatewayNs = '', clientNs = '', ...targetNs] = namespaces;
  cleanup.add(`delete lb lab namespaces (${id})`, async () => {
    for (const ns of namespaces) await execa('ip', ['netns', 'del', ns], { reject: false });
  });
  for (const step of steps) await sh(step);
  return {
    id,
    clientNs,
    gatewayNs,
    targetNs,
    clientIp: LAB_CLIENT_IP,
    gatewayIp: LAB_GATEWAY_IP,
    targetIps: targetNs.map((_, i) => targetIp(i + 1)),
    run: (ns, argv) => sh(inNs(ns, argv)),
  };
}
