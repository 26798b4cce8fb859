import type { Topology } from '../../e2e/harness/index.js';
import { isObject } from '../../renderers/nft/elements.js';
import { IPERF_BASE_PORT, iperfPorts, sumIperf } from './iperf-sources.js';

/** What the traffic is: TCP with 1 or N parallel streams, or one unlimited UDP stream. */
export interface TrafficMode {
  name: string;
  protocol: 'tcp' | 'udp';
  streams: number;
  /**
   * iperf3 clients side by side, each from its own client address to its own server port, the streams split among
   * them (lib/iperf-sources.ts). Absent: one client from the client's address, its streams as `-P`.
   */
  sources?: number;
}

export const TRAFFIC_MODES: Record<string, TrafficMode> = {
  tcp1: { name: 'tcp1', protocol: 'tcp', streams: 1 },
  tcp4: { name: 'tcp4', protocol: 'tcp', streams: 4 },
  tcp4src: { name: 'tcp4src', protocol: 'tcp', streams: 4, sources: 4 },
  udp1: { name: 'udp1', protocol: 'udp', streams: 1 },
};

export interface IperfResult {
  /** What the server received, bit/s. */
  receivedBps: number;
  /** What the client sent, bit/s (equal for TCP; higher for UDP when the path drops). */
  sentBps: number;
  /** UDP only: share of datagrams lost on the way (drops anywhere: gateway, veth queues, the receiver). */
  lostPercent?: number;
  retransmits?: number;
  /** CPU of the iperf3 processes themselves (%, of the whole machine as iperf3 reports it). */
  cpuClient?: number;
  cpuServer?: number;
}

/** iperf3 -s as a daemon on the server host, one per port; each runs one test at a time. */
export async function startIperfServer(t: Topology, ports: readonly number[] = [IPERF_BASE_PORT]): Promise<void> {
  for (const port of ports) {
    const argv = ['iperf3', '-s', '-D', '-p', String(port), '--pidfile', `/tmp/iperf3-${port}.pid`];
    const r = await t.exec('server', argv);
    if (r.exitCode !== 0) throw new Error(`iperf3 -s -p ${port} failed: ${r.stderr || r.stdout}`);
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The end-of-test summary of `iperf3 -J` (3.12): sum_sent/sum_received for TCP, sum (+ sum_received) for UDP. */
export function parseIperf(stdout: string): IperfResult {
  const doc = JSON.parse(stdout) as unknown;
  const end = isObject(doc) && isObject(doc.end) ? doc.end : undefined;
  if (!end) throw new Error(`iperf3: no summary (${isObject(doc) ? String(doc.error) : 'not JSON'})`);
  const get = (key: string): Record<string, unknown> => (isObject(end[key]) ? end[key] : {});
  const cpu = get('cpu_utilization_percent');
  const sent = get('sum_sent');
  const received = get('sum_received');
  const sum = get('sum');
  const udpLost = num(sum.lost_percent);
  const sentBps = num(sent.bits_per_second) ?? num(sum.bits_per_second) ?? 0;
  const receivedBps =
    num(received.bits_per_second) ?? (udpLost !== undefined ? sentBps * (1 - udpLost / 100) : sentBps);
  return {
    receivedBps,
    sentBps,
    ...(udpLost !== undefined ? { lostPercent: udpLost } : {}),
    ...(num(sent.retransmits) !== undefined ? { retransmits: num(sent.retransmits) } : {}),
    ...(num(cpu.host_total) !== undefined ? { cpuClient: num(cpu.host_total) } : {}),
    ...(num(cpu.remote_total) !== undefined ? { cpuServer: num(cpu.remote_total) } : {}),
  };
}

/** One iperf3 client: `streams` parallel streams to `port`, from `bind` when given; the first second omitted. */
export function iperfArgv(
  serverIp: string,
  mode: TrafficMode,
  seconds: number,
  c: { streams: number; port: number; bind?: string },
): string[] {
  const argv = ['iperf3', '-c', serverIp, '-p', String(c.port), '-t', String(seconds), '-O', '1'];
  argv.push('-P', String(c.streams), '-J', '--connect-timeout', '3000');
  if (c.bind !== undefined) argv.push('-B', c.bind);
  // -b 0: UDP as fast as the sender can go, so the path, not a rate limit, sets the number.
  if (mode.protocol === 'udp') argv.push('-u', '-b', '0');
  return argv;
}

async function runClient(t: Topology, mode: TrafficMode, argv: string[]): Promise<IperfResult> {
  const r = await t.exec('client', argv);
  if (r.exitCode !== 0)
    throw new Error(`iperf3 ${mode.name} failed (${r.exitCode}): ${r.stderr || r.stdout.slice(0, 500)}`);
  return parseIperf(r.stdout);
}

/** An iperf3 run of one source: the source address and what it alone moved. */
export interface SourceResult extends IperfResult {
  source: string;
}

/**
 * One timed run from the client through the gateway to the server. With `mode.sources`, that many clients start
 * together (one docker exec each: their starts differ by tens of ms, within the omitted first second), each bound to
 * one of `sources` (as many as mode.sources: lib/iperf-sources.ts) and the server ports from IPERF_BASE_PORT up.
 */
export async function runIperf(
  t: Topology,
  mode: TrafficMode,
  seconds: number,
  sources: readonly string[] = [],
): Promise<IperfResult & { perSource?: SourceResult[] }> {
  const n = mode.sources ?? 1;
  if (n === 1)
    return runClient(t, mode, iperfArgv(t.serverIp, mode, seconds, { streams: mode.streams, port: IPERF_BASE_PORT }));
  if (sources.length < n) throw new Error(`iperf3 ${mode.name}: ${n} source addresses needed, ${sources.length} given`);
  if (mode.streams % n !== 0) throw new Error(`iperf3 ${mode.name}: ${mode.streams} streams over ${n} sources`);
  const streams = mode.streams / n;
  const perSource = await Promise.all(
    iperfPorts(n).map(async (port, i) => ({
      source: sources[i]!,
      ...(await runClient(t, mode, iperfArgv(t.serverIp, mode, seconds, { streams, port, bind: sources[i]! }))),
    })),
  );
  return { ...sumIperf(perSource), perSource };
}
