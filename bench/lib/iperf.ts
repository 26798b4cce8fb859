import type { Topology } from '../../e2e/harness/index.js';
import { isObject } from '../../renderers/nft/elements.js';

/** What the traffic is: TCP with 1 or N parallel streams, or one unlimited UDP stream. */
export interface TrafficMode {
  name: string;
  protocol: 'tcp' | 'udp';
  streams: number;
}

export const TRAFFIC_MODES: Record<string, TrafficMode> = {
  tcp1: { name: 'tcp1', protocol: 'tcp', streams: 1 },
  tcp4: { name: 'tcp4', protocol: 'tcp', streams: 4 },
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

/** iperf3 -s as a daemon on the server host; one test at a time, which is how the benchmark runs them. */
export async function startIperfServer(t: Topology): Promise<void> {
  const r = await t.exec('server', ['iperf3', '-s', '-D', '--pidfile', '/tmp/iperf3.pid']);
  if (r.exitCode !== 0) throw new Error(`iperf3 -s failed: ${r.stderr || r.stdout}`);
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

/** One timed run from the client through the gateway to the server; the first second (slow start) is omitted. */
export async function runIperf(t: Topology, mode: TrafficMode, seconds: number): Promise<IperfResult> {
  const argv = ['iperf3', '-c', t.serverIp, '-t', String(seconds), '-O', '1', '-P', String(mode.streams), '-J'];
  argv.push('--connect-timeout', '3000');
  // -b 0: UDP as fast as the sender can go, so the path, not a rate limit, sets the number.
  if (mode.protocol === 'udp') argv.push('-u', '-b', '0');
  const r = await t.exec('client', argv);
  if (r.exitCode !== 0)
    throw new Error(`iperf3 ${mode.name} failed (${r.exitCode}): ${r.stderr || r.stdout.slice(0, 500)}`);
  return parseIperf(r.stdout);
}
