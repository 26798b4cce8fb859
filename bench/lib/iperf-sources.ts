import type { Topology } from '../../e2e/harness/index.js';
import { cidrRange, ipv4ToNumber, numberToIpv4, parseCidr } from '../../runtime/net/cidr.js';
import type { IperfResult } from './iperf.js';

/**
 * Traffic from several client addresses. The IPS balances its queues by a hash of the address pair (symmetric, so
 * both directions of a flow meet one Suricata worker): N streams from one client address all land in one queue.
 * To let the hash spread them, each stream comes from its own address of the client's private subnet, to its own
 * iperf3 server port (an iperf3 server runs one test at a time). The gateway sees these addresses in FORWARD, where
 * the queue rules are: SourceNat masquerades after it, in POSTROUTING.
 */
export const IPERF_BASE_PORT = 5201;

export function iperfPorts(count: number): number[] {
  return Array.from({ length: count }, (_, i) => IPERF_BASE_PORT + i);
}

/**
 * `count` host addresses of `subnet`, from the top down (Docker hands out addresses from the bottom), skipping the
 * broadcast address and every address in `taken`.
 */
export function spareAddresses(subnet: string, taken: readonly string[], count: number): string[] {
  const { first, last } = cidrRange(subnet);
  const busy = new Set(taken.map(ipv4ToNumber));
  const out: string[] = [];
  for (let n = last - 1; n > first && out.length < count; n--) if (!busy.has(n)) out.push(numberToIpv4(n));
  if (out.length < count) throw new Error(`${subnet}: fewer than ${count} spare addresses`);
  return out;
}

/**
 * Adds `extra` addresses of the private subnet to the client's interface (the one holding clientIp); returns the
 * client's source addresses, clientIp first. The addresses go with the client container at cleanup.
 */
export async function addClientAddresses(t: Topology, extra: number): Promise<string[]> {
  const shown = await t.exec('client', ['ip', '-o', '-4', 'addr', 'show']);
  const dev = new RegExp(`^\\d+:\\s+(\\S+)\\s+inet ${t.clientIp.replace(/\./g, '\\.')}/`, 'm').exec(shown.stdout)?.[1];
  if (!dev) throw new Error(`client: no interface holds ${t.clientIp}`);
  const { len } = parseCidr(t.privateSubnet);
  const taken = [t.clientIp, t.gatewayPrivateIp, numberToIpv4(cidrRange(t.privateSubnet).first + 1)];
  const added = spareAddresses(t.privateSubnet, taken, extra);
  for (const address of added) {
    const r = await t.exec('client', ['ip', 'addr', 'add', `${address}/${len}`, 'dev', dev]);
    if (r.exitCode !== 0) throw new Error(`client: ip addr add ${address} failed: ${r.stderr}`);
  }
  return [t.clientIp, ...added];
}

/**
 * The results of iperf3 clients that ran side by side, as one: rates and retransmits added up, UDP loss from the
 * summed rates. Their own CPU figures are left out (each is of the whole machine, overlapping).
 */
export function sumIperf(results: readonly IperfResult[]): IperfResult {
  const add = (f: (r: IperfResult) => number | undefined): number | undefined =>
    results.some((r) => f(r) !== undefined) ? results.reduce((n, r) => n + (f(r) ?? 0), 0) : undefined;
  const retransmits = add((r) => r.retransmits);
  const sentBps = add((r) => r.sentBps) ?? 0;
  const receivedBps = add((r) => r.receivedBps) ?? 0;
  const udp = results.some((r) => r.lostPercent !== undefined);
  return {
    receivedBps,
    sentBps,
    ...(udp && sentBps > 0 ? { lostPercent: Math.round((1 - receivedBps / sentBps) * 1e4) / 100 } : {}),
    ...(retransmits !== undefined ? { retransmits } : {}),
  };
}
