import { readFile } from 'node:fs/promises';
import { parseNfqueueStats, type NfqueueStat } from '../../controllers/intrusion-prevention/nfqueue-stats.js';
import { ipsPaths } from '../../controllers/intrusion-prevention/paths.js';
import { QUEUE_CHAIN } from '../../controllers/intrusion-prevention/xt-rules.js';
import { DEFAULT_DAEMONS } from '../../composition/controllers.js';
import type { Topology } from '../../e2e/harness/index.js';
import { machineCores, parseProcStat, parseThreadStats, threadCpu, type MachineTicks } from './thread-cpu.js';
import type { ThreadCpu, ThreadTicks } from './thread-cpu.js';

/**
 * What the IPS benchmark reads around each measurement (never during one): the machine's CPU by kind (containers
 * share the host kernel, so the host's /proc/stat is the gateway's softirq too), every gateway thread's CPU, the
 * kernel's NFQUEUE counters and the packets the IPS's queue rules sent to the queues.
 */
export interface GatewaySample {
  at: number;
  machine: MachineTicks;
  threads: ThreadTicks[];
  queues: NfqueueStat[];
  /** Packets and bytes the CSGW-IPS chain's NFQUEUE rules matched (iptables counters), 0 without the chain. */
  ruleHits: number;
  ruleBytes: number;
  /** Packets its bypass rule (connmark set: Suricata gave up on the flow) let past the queue. */
  bypassHits: number;
}

/** Sums the `[packets:bytes]` counters of the IPS chain's NFQUEUE rules and its RETURN (bypass) rule. */
export function queueRuleCounters(save: string): { packets: number; bytes: number; bypassed: number } {
  const out = { packets: 0, bytes: 0, bypassed: 0 };
  for (const line of save.split('\n')) {
    const m = /^\[(\d+):(\d+)\]\s+-A (\S+) .* -j (\S+)/.exec(line.trim());
    if (m?.[3] !== QUEUE_CHAIN.chain) continue;
    if (m[4] === 'NFQUEUE') {
      out.packets += Number(m[1]);
      out.bytes += Number(m[2]);
    } else if (m[4] === 'RETURN') out.bypassed += Number(m[1]);
  }
  return out;
}

const THREAD_STATS = "grep -H '' /proc/[0-9]*/task/*/stat 2>/dev/null";

export async function sampleGateway(t: Topology): Promise<GatewaySample> {
  const threads = await t.exec('gateway', ['sh', '-c', THREAD_STATS]);
  // The CPU readings first, as close together as they can be; the counters after them.
  const [at, machine] = [performance.now(), parseProcStat(await readFile('/proc/stat', 'utf8'))];
  const queues = await t.exec('gateway', ['cat', '/proc/net/netfilter/nfnetlink_queue']);
  const xt = queueRuleCounters((await t.exec('gateway', ['iptables-nft-save', '-c', '-t', 'security'])).stdout);
  return {
    at,
    machine,
    threads: parseThreadStats(threads.stdout),
    queues: queues.exitCode === 0 ? parseNfqueueStats(queues.stdout) : [],
    ruleHits: xt.packets,
    ruleBytes: xt.bytes,
    bypassHits: xt.bypassed,
  };
}

export interface QueueDelta {
  /**
   * Packets and bytes the queue rules matched. A TCP GSO packet (up to 64 KB) matches once, but the kernel cuts it
   * into MTU-sized segments to queue it (Suricata does not take GSO packets), so queued > ruleHits.
   */
  ruleHits: number;
  ruleBytes: number;
  /** Packets of bypassed flows that skipped the queue (the chain's conntrack-mark RETURN rule). */
  bypassHits: number;
  /** Packets handed to Suricata (id_sequence moves on by one per queued segment), in all and per queue. */
  queued: number;
  perQueue: Record<string, number>;
  /**
   * Kernel drops: queue full (queue_dropped), netlink socket full (user_dropped). With fail-open neither counts: an
   * overflowing packet is accepted uninspected and counted nowhere (compare ruleBytes with Suricata's bytes).
   */
  queueDropped: number;
  userDropped: number;
}

export interface GatewayUsage {
  seconds: number;
  /** Cores busy by kind, whole machine (client, gateway and server share it). */
  machine: Record<keyof MachineTicks | 'busy', number>;
  /** Suricata's packet threads (names starting with W), summed, and the busiest one. */
  suricataWorkers: { threads: number; cores: number; busiestCores: number; systemCores: number };
  /** Every Suricata thread together, and the operator (the gateway's node process). */
  suricataCores: number;
  operatorCores: number;
  /** The busiest gateway threads. */
  topThreads: ThreadCpu[];
  queue?: QueueDelta;
}

const isSuricata = (t: { process: string }): boolean => /suricata/i.test(t.process);
// Node 24 names its main thread (the process's comm) MainThread; older releases leave it node.
const isOperator = (t: { process: string }): boolean => t.process === 'MainThread' || t.process === 'node';

/** The queue counters between two samples; undefined when no queue rule or queue exists. */
export function queueDelta(before: GatewaySample, after: GatewaySample): QueueDelta | undefined {
  if (after.queues.length === 0 && after.ruleHits === 0) return undefined;
  const old = new Map(before.queues.map((q) => [q.queue, q]));
  const d = (q: NfqueueStat, k: keyof NfqueueStat): number => q[k] - (old.get(q.queue)?.[k] ?? 0);
  const perQueue = Object.fromEntries(after.queues.map((q) => [String(q.queue), d(q, 'idSequence')]));
  const sum = (k: keyof NfqueueStat): number => after.queues.reduce((n, q) => n + d(q, k), 0);
  return {
    ruleHits: after.ruleHits - before.ruleHits,
    ruleBytes: after.ruleBytes - before.ruleBytes,
    bypassHits: after.bypassHits - before.bypassHits,
    queued: sum('idSequence'),
    perQueue,
    queueDropped: sum('queueDropped'),
    userDropped: sum('userDropped'),
  };
}

const EVE_LOG = ipsPaths(DEFAULT_DAEMONS.dir).eveLog;
const LAST_STATS = `grep '"event_type":"stats"' "$1" | tail -n 1`;

/** Every number under `obj`, flat: { a: { b: 1 } } -> { 'prefix.a.b': 1 }. */
export function flattenNumbers(obj: unknown, prefix: string): Record<string, number> {
  if (typeof obj === 'number') return { [prefix]: obj };
  if (typeof obj !== 'object' || obj === null) return {};
  return Object.assign({}, ...Object.entries(obj).map(([k, v]) => flattenNumbers(v, `${prefix}.${k}`))) as Record<
    string,
    number
  >;
}

/** Suricata's ips.* counters (verdicts, drop reasons) from its last stats record in eve.json, {} before the first. */
export async function suricataIpsStats(t: Topology): Promise<Record<string, number>> {
  const r = await t.exec('gateway', ['sh', '-c', LAST_STATS, 'sh', EVE_LOG]);
  const line = r.stdout.trim();
  if (!line) return {};
  const record = JSON.parse(line) as { stats?: { ips?: unknown } };
  return flattenNumbers(record.stats?.ips, 'ips');
}
export function gatewayUsage(before: GatewaySample, after: GatewaySample, top = 6): GatewayUsage {
  const seconds = (after.at - before.at) / 1000;
  const threads = threadCpu(before.threads, after.threads, seconds);
  const suricata = threads.filter(isSuricata);
  const workers = suricata.filter((th) => th.thread.startsWith('W'));
  const total = (list: readonly ThreadCpu[], k: 'cores' | 'systemCores' = 'cores'): number =>
    Math.round(list.reduce((n, th) => n + th[k], 0) * 1000) / 1000;
  const queue = queueDelta(before, after);
  return {
    seconds: Math.round(seconds * 100) / 100,
    machine: machineCores(before.machine, after.machine, seconds),
    suricataWorkers: {
      threads: workers.length,
      cores: total(workers),
      busiestCores: workers[0]?.cores ?? 0,
      systemCores: total(workers, 'systemCores'),
    },
    suricataCores: total(suricata),
    operatorCores: total(threads.filter(isOperator)),
    topThreads: threads.slice(0, top),
    ...(queue ? { queue } : {}),
  };
}
