import type { SourceResult } from './iperf.js';
import type { GatewayUsage, QueueDelta } from './ips-observe.js';
import type { LatencyResult } from './latency-probe.js';
import { formatTable } from './report.js';
import { summarize } from './stats.js';
import type { ThroughputRun, ThroughputSummary } from './throughput-report.js';

/** One iperf3 run with what the gateway did meanwhile. */
export interface IpsRun extends ThroughputRun {
  usage: GatewayUsage;
  /** Modes from several client addresses: each iperf3 client's own result. */
  perSource?: SourceResult[];
}

/** One scenario's visit in one round: the latency probes and Suricata's counters over the whole visit. */
export interface IpsVisit {
  round: number;
  scenario: string;
  ping: LatencyResult;
  http: LatencyResult;
  /** Status counters after the visit minus before it (only those that moved); absent without Suricata. */
  counters?: Record<string, number>;
  /** Suricata's own ips.* counters (verdicts, drop reasons) over the visit, from eve.json's stats records. */
  suricataIps?: Record<string, number>;
  /** The kernel's queue counters over the visit. */
  queue?: QueueDelta;
  /**
   * Suricata's decoded bytes / the bytes the queue rules matched, over the visit: about 1 (a little more: each
   * segment of a GSO packet carries its own headers) when every matched packet reached Suricata; less when packets
   * were let through uninspected (fail-open overflow).
   */
  inspectedByteShare?: number;
  /** Suricata was restarted during the visit (its pid changed): counters then start from zero. */
  suricataRestarted?: boolean;
}

/** Per scenario and mode: medians over rounds of the gateway's CPU and queue figures. */
export interface UsageSummary {
  scenario: string;
  mode: string;
  busyCores: number;
  softirqCores: number;
  suricataWorkerCores: number;
  busiestWorkerCores: number;
  workerSystemShare?: number;
  queuedKpps?: number;
  /** Packets of bypassed flows that skipped the queue, thousands per second. */
  bypassedKpps?: number;
  /** Queued segments per rule match: how much the kernel cut GSO packets up to queue them. */
  queuedPerHit?: number;
  queueDropped?: number;
  /** The busiest queue's share of the queued packets (1 / queues: even; 1: all in one queue). */
  busiestQueueShare?: number;
  /** TCP retransmits per run (iperf3's count, summed over its streams). */
  retransmits?: number;
}

export interface LatencySummary {
  scenario: string;
  rounds: number;
  /** Medians over rounds of each round's percentile (ms). */
  pingP50: number;
  pingP99: number;
  pingLost: number;
  httpP50: number;
  httpP99: number;
  /** Median of the visits' inspectedByteShare. */
  inspectedByteShare?: number;
}

const median = (values: readonly number[]): number => summarize(values).p50;
const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** The busiest queue's share of what the queues got; undefined when nothing was queued. */
export function busiestQueueShare(perQueue: Readonly<Record<string, number>>): number | undefined {
  const counts = Object.values(perQueue);
  const total = counts.reduce((n, c) => n + c, 0);
  return total > 0 ? Math.max(...counts) / total : undefined;
}

/** Per-queue counts as shares in queue order, e.g. "0:52% 1:48%" (for the run's log line). */
export function queueSpread(perQueue: Readonly<Record<string, number>>): string {
  const total = Object.values(perQueue).reduce((n, c) => n + c, 0);
  if (total === 0) return '';
  return Object.entries(perQueue)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([q, c]) => `${q}:${Math.round((c / total) * 100)}%`)
    .join(' ');
}

function groups<T extends { scenario: string }>(items: readonly T[], key: (i: T) => string): [string, T[]][] {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return [...out.entries()];
}

export function summarizeUsage(runs: readonly IpsRun[]): UsageSummary[] {
  return groups(runs, (r) => `${r.scenario}\0${r.mode}`).map(([, mine]) => {
    const u = mine.map((r) => r.usage);
    const med = (f: (x: GatewayUsage) => number, digits = 2): number => round(median(u.map(f)), digits);
    const queued = u.filter((x) => x.queue !== undefined);
    const workers = med((x) => x.suricataWorkers.cores);
    const out: UsageSummary = {
      scenario: mine[0]!.scenario,
      mode: mine[0]!.mode,
      busyCores: med((x) => x.machine.busy),
      softirqCores: med((x) => x.machine.softirq),
      suricataWorkerCores: workers,
      busiestWorkerCores: med((x) => x.suricataWorkers.busiestCores),
    };
    if (workers > 0) out.workerSystemShare = med((x) => x.suricataWorkers.systemCores / (x.suricataWorkers.cores || 1));
    if (queued.length > 0) {
      out.queuedKpps = round(median(queued.map((x) => x.queue!.queued / x.seconds / 1000)), 1);
      out.bypassedKpps = round(median(queued.map((x) => x.queue!.bypassHits / x.seconds / 1000)), 1);
      out.queuedPerHit = round(median(queued.map((x) => x.queue!.queued / Math.max(1, x.queue!.ruleHits))), 2);
      out.queueDropped = median(queued.map((x) => x.queue!.queueDropped + x.queue!.userDropped));
      const shares = queued.flatMap((x) => busiestQueueShare(x.queue!.perQueue) ?? []);
      if (shares.length > 0) out.busiestQueueShare = round(median(shares), 2);
    }
    const retransmits = mine.flatMap((r) => r.retransmits ?? []);
    if (retransmits.length > 0) out.retransmits = median(retransmits);
    return out;
  });
}

export function summarizeLatency(visits: readonly IpsVisit[]): LatencySummary[] {
  return groups(visits, (v) => v.scenario).map(([scenario, mine]) => {
    const shares = mine.flatMap((v) => (v.inspectedByteShare !== undefined ? [v.inspectedByteShare] : []));
    return {
      scenario,
      rounds: mine.length,
      pingP50: round(median(mine.map((v) => v.ping.rtt.p50)), 3),
      pingP99: round(median(mine.map((v) => v.ping.rtt.p99)), 3),
      pingLost: mine.reduce((n, v) => n + v.ping.lost, 0),
      httpP50: round(median(mine.map((v) => v.http.rtt.p50)), 3),
      httpP99: round(median(mine.map((v) => v.http.rtt.p99)), 3),
      ...(shares.length > 0 ? { inspectedByteShare: round(median(shares), 3) } : {}),
    };
  });
}

/** after - before of the counters that moved (a counter new in `after` counts from 0). */
export function counterDelta(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Counter deltas (status counters and Suricata's ips.*) summed over the rounds, per scenario with Suricata. */
export function summarizeCounters(visits: readonly IpsVisit[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const v of visits) {
    if (!v.counters) continue;
    const mine = (out[v.scenario] ??= {});
    for (const [k, n] of Object.entries({ ...v.counters, ...v.suricataIps })) mine[k] = (mine[k] ?? 0) + n;
  }
  return out;
}

const pct = (ratio: number | undefined): string => (ratio !== undefined ? `${(ratio * 100).toFixed(1)} %` : '');
const opt = (v: number | undefined, digits = 2): string => (v !== undefined ? v.toFixed(digits) : '');

function usageCells(u: UsageSummary): (string | number)[] {
  return [
    opt(u.busyCores),
    opt(u.softirqCores),
    opt(u.suricataWorkerCores),
    opt(u.busiestWorkerCores),
    pct(u.workerSystemShare),
    opt(u.queuedKpps, 1),
    opt(u.bypassedKpps, 1),
    opt(u.queuedPerHit),
    u.queueDropped ?? '',
    pct(u.busiestQueueShare),
    u.retransmits ?? '',
  ];
}

/** Throughput with the gateway's CPU and queue figures, one row per scenario and mode. */
export function ipsThroughputTable(throughput: readonly ThroughputSummary[], usage: readonly UsageSummary[]): string {
  const rows: (string | number)[][] = [
    [
      'scenario',
      'mode',
      'Gbit/s',
      'min',
      'max',
      'vs nat',
      'busy cores',
      'softirq',
      'suricata W',
      'busiest W',
      'W sys share',
      'queued kpps',
      'bypassed kpps',
      'queued/hit',
      'q drops',
      'busiest q',
      'retransmits',
    ],
  ];
  for (const s of throughput) {
    const u = usage.find((x) => x.scenario === s.scenario && x.mode === s.mode);
    const throughputCells = [s.medianGbps, s.minGbps, s.maxGbps].map((v) => v.toFixed(2));
    rows.push([s.scenario, s.mode, ...throughputCells, pct(s.ratioToNat), ...(u ? usageCells(u) : [])]);
  }
  return formatTable(rows);
}

export function latencyTable(latency: readonly LatencySummary[]): string {
  const rows: (string | number)[][] = [
    [
      'scenario',
      'rounds',
      'ping p50 ms',
      'ping p99 ms',
      'ping lost',
      'http p50 ms',
      'http p99 ms',
      'inspected/matched B',
    ],
  ];
  for (const l of latency)
    rows.push([
      l.scenario,
      l.rounds,
      l.pingP50.toFixed(3),
      l.pingP99.toFixed(3),
      l.pingLost,
      l.httpP50.toFixed(3),
      l.httpP99.toFixed(3),
      opt(l.inspectedByteShare, 3),
    ]);
  return formatTable(rows);
}
