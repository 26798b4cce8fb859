import { formatTable } from './report.js';
import { percentile, summarize } from './stats.js';

/** How a download went from the client to the origin: routed and NATed, through squid (HTTP), through a CONNECT. */
export type DownloadPath = 'direct' | 'proxy' | 'tunnel';

/** One large download (curl in the client, body discarded). */
export interface DownloadRun {
  rep: number;
  path: DownloadPath;
  bytes: number;
  seconds: number;
  /** 10^6 bytes per second, whole transfer (connect and first byte included). */
  mbPerSec: number;
  firstByteMs: number;
  /** CPU seconds during the download: squid (gateway) and the echo server (server's node). */
  squidCpuSeconds: number;
  originCpuSeconds: number;
  /** Access log actions of the download (e.g. TCP_MISS/200, TCP_TUNNEL/200); empty for direct. */
  logged: Record<string, number>;
  load1m: number;
}

export interface DownloadSummary {
  path: DownloadPath;
  runs: number;
  medianMBps: number;
  minMBps: number;
  maxMBps: number;
  /** Median of this path / median of direct. */
  ratioToDirect?: number;
  /** squid's CPU time per 10^9 bytes moved (s), median: what the proxy pays per byte. */
  squidCpuSecondsPerGB: number;
  /** squid's CPU time / transfer time, median: 1.0 = one core saturated. */
  squidBusy: number;
  originBusy: number;
}

/** One fixed-concurrency run of one variant. */
export interface RateRunRecord {
  round: number;
  phase: 'open' | 'auth';
  variant: string;
  concurrency: number;
  keepAlive: boolean;
  requests: number;
  ok: number;
  rps: number;
  /** Per-request latency under this load (ms). */
  latency: { p50: number; p90: number; p99: number; max: number };
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** The X-Cache header the proxy sent (HIT / MISS) -> count. */
  xCache: Record<string, number>;
  /** CPU per request (µs): the generator (client), squid (gateway), the echo server (server). */
  cpuUsPerRequest: { generator: number; squid: number; origin: number; operator: number };
  /** Access log lines of the run from the client, by action/status and method. */
  logged: Record<string, number>;
  load1m: number;
}

export interface RateSummary {
  phase: 'open' | 'auth';
  variant: string;
  runs: number;
  medianRps: number;
  minRps: number;
  maxRps: number;
  /** Median of this variant / median of direct in the same phase. */
  ratioToDirect?: number;
  /** Medians over the runs. */
  p50Ms: number;
  p99Ms: number;
  squidUsPerRequest: number;
  originUsPerRequest: number;
  generatorUsPerRequest: number;
  errors: number;
}

export interface LatencySummary {
  phase: 'open' | 'auth';
  variant: string;
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** p50 of this variant / p50 of direct in the same run. */
  p50ToDirect?: number;
  errors: number;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
const median = (values: readonly number[]): number => summarize(values).p50;

export function summarizeDownloads(runs: readonly DownloadRun[]): DownloadSummary[] {
  const paths = [...new Set(runs.map((r) => r.path))];
  const medians = new Map(paths.map((p) => [p, median(runs.filter((r) => r.path === p).map((r) => r.mbPerSec))]));
  const direct = medians.get('direct');
  return paths.map((path) => {
    const mine = runs.filter((r) => r.path === path);
    const s = summarize(mine.map((r) => r.mbPerSec));
    return {
      path,
      runs: mine.length,
      medianMBps: round(s.p50, 1),
      minMBps: round(s.min, 1),
      maxMBps: round(s.max, 1),
      ...(direct ? { ratioToDirect: round(s.p50 / direct, 3) } : {}),
      squidCpuSecondsPerGB: round(median(mine.map((r) => r.squidCpuSeconds / (r.bytes / 1e9))), 3),
      squidBusy: round(median(mine.map((r) => r.squidCpuSeconds / r.seconds)), 2),
      originBusy: round(median(mine.map((r) => r.originCpuSeconds / r.seconds)), 2),
    };
  });
}

export function summarizeRates(runs: readonly RateRunRecord[]): RateSummary[] {
  const keys = [...new Set(runs.map((r) => `${r.phase}\0${r.variant}`))];
  const medianRps = (phase: string, variant: string): number | undefined => {
    const v = runs.filter((r) => r.phase === phase && r.variant === variant).map((r) => r.rps);
    return v.length > 0 ? median(v) : undefined;
  };
  return keys.map((key) => {
    const [phase = 'open', variant = ''] = key.split('\0') as ['open' | 'auth', string];
    const mine = runs.filter((r) => r.phase === phase && r.variant === variant);
    const s = summarize(mine.map((r) => r.rps));
    const direct = medianRps(phase, 'direct');
    return {
      phase,
      variant,
      runs: mine.length,
      medianRps: Math.round(s.p50),
      minRps: Math.round(s.min),
      maxRps: Math.round(s.max),
      ...(direct ? { ratioToDirect: round(s.p50 / direct, 3) } : {}),
      p50Ms: round(median(mine.map((r) => r.latency.p50)), 2),
      p99Ms: round(median(mine.map((r) => r.latency.p99)), 2),
      squidUsPerRequest: Math.round(median(mine.map((r) => r.cpuUsPerRequest.squid))),
      originUsPerRequest: Math.round(median(mine.map((r) => r.cpuUsPerRequest.origin))),
      generatorUsPerRequest: Math.round(median(mine.map((r) => r.cpuUsPerRequest.generator))),
      errors: mine.reduce((sum, r) => sum + Object.values(r.errors).reduce((a, b) => a + b, 0), 0),
    };
  });
}

/** Nearest-rank percentiles of single-request latencies (ms), with p50 relative to direct of the same phase. */
export function summarizeLatency(
  phase: 'open' | 'auth',
  samples: readonly { variant: string; latenciesMs: readonly number[]; errors: number }[],
): LatencySummary[] {
  const out = samples.map((v): LatencySummary => {
    const sorted = [...v.latenciesMs].sort((a, b) => a - b);
    const s = summarize(sorted);
    return {
      phase,
      variant: v.variant,
      n: s.n,
      p50: round(s.p50, 2),
      p95: round(percentile(sorted, 95), 2),
      p99: round(s.p99, 2),
      max: round(s.max, 2),
      mean: round(s.mean, 2),
      errors: v.errors,
    };
  });
  const direct = out.find((s) => s.variant === 'direct');
  for (const s of out) if (direct && direct.p50 > 0) s.p50ToDirect = round(s.p50 / direct.p50, 2);
  return out;
}

const ratio = (r: number | undefined): string => (r === undefined ? '' : r.toFixed(3));

export function downloadTable(summaries: readonly DownloadSummary[]): string {
  const rows: (string | number)[][] = [
    ['path', 'runs', 'MB/s median', 'min', 'max', 'vs direct', 'squid CPU s/GB', 'squid busy', 'origin busy'],
  ];
  for (const s of summaries) {
    rows.push([
      s.path,
      s.runs,
      s.medianMBps.toFixed(1),
      s.minMBps.toFixed(1),
      s.maxMBps.toFixed(1),
      ratio(s.ratioToDirect),
      s.path === 'direct' ? '' : s.squidCpuSecondsPerGB.toFixed(2),
      s.path === 'direct' ? '' : s.squidBusy.toFixed(2),
      s.originBusy.toFixed(2),
    ]);
  }
  return formatTable(rows);
}

export function rateTable(summaries: readonly RateSummary[]): string {
  const rows: (string | number)[][] = [
    [
      'phase',
      'variant',
      'runs',
      'req/s median',
      'min',
      'max',
      'vs direct',
      'p50 ms',
      'p99 ms',
      'µs/req squid',
      'origin',
      'generator',
      'errors',
    ],
  ];
  for (const s of summaries) {
    rows.push([
      s.phase,
      s.variant,
      s.runs,
      s.medianRps,
      s.minRps,
      s.maxRps,
      ratio(s.ratioToDirect),
      s.p50Ms.toFixed(2),
      s.p99Ms.toFixed(2),
      s.squidUsPerRequest,
      s.originUsPerRequest,
      s.generatorUsPerRequest,
      s.errors,
    ]);
  }
  return formatTable(rows);
}

export function latencyTable(summaries: readonly LatencySummary[]): string {
  const rows: (string | number)[][] = [
    ['phase', 'variant', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max', 'mean', 'p50 vs direct', 'errors'],
  ];
  for (const s of summaries) {
    rows.push([
      s.phase,
      s.variant,
      s.n,
      s.p50.toFixed(2),
      s.p95.toFixed(2),
      s.p99.toFixed(2),
      s.max.toFixed(2),
      s.mean.toFixed(2),
      s.p50ToDirect === undefined ? '' : s.p50ToDirect.toFixed(2),
      s.errors,
    ]);
  }
  return formatTable(rows);
}
