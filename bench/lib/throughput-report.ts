import type { IperfResult } from './iperf.js';
import { formatTable } from './report.js';
import { summarize } from './stats.js';

/** One iperf3 run of one scenario and traffic mode. */
export interface ThroughputRun extends IperfResult {
  round: number;
  scenario: string;
  mode: string;
  /** The machine's 1-minute load average when the run ended: other work on the 2 vCPUs shows here. */
  load1m: number;
  /** Packets and bytes the policy's default rule counted during the run (undefined without a policy). */
  evaluated?: { packets: number; bytes: number };
}

export interface ThroughputSummary {
  scenario: string;
  mode: string;
  runs: number;
  /** Received Gbit/s. */
  medianGbps: number;
  minGbps: number;
  maxGbps: number;
  /** Median of this scenario / median of bare (or of nat), same mode. */
  ratioToBare?: number;
  ratioToNat?: number;
  /** Packets that ran the whole policy, per second of the run, median; and mean bytes per such packet. */
  evaluatedPps?: number;
  bytesPerEvaluatedPacket?: number;
  medianLostPercent?: number;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

function median(values: readonly number[]): number {
  return summarize(values).p50;
}

export function summarizeThroughput(runs: readonly ThroughputRun[], seconds: number): ThroughputSummary[] {
  const keys = [...new Set(runs.map((r) => `${r.scenario}\0${r.mode}`))];
  const out = keys.map((key): ThroughputSummary => {
    const [scenario = '', mode = ''] = key.split('\0');
    const mine = runs.filter((r) => r.scenario === scenario && r.mode === mode);
    const gbps = mine.map((r) => r.receivedBps / 1e9);
    const s = summarize(gbps);
    const evaluated = mine.flatMap((r) => (r.evaluated ? [r.evaluated] : []));
    const lost = mine.flatMap((r) => (r.lostPercent !== undefined ? [r.lostPercent] : []));
    return {
      scenario,
      mode,
      runs: mine.length,
      medianGbps: round(s.p50, 3),
      minGbps: round(s.min, 3),
      maxGbps: round(s.max, 3),
      ...(evaluated.length > 0
        ? {
            // The counter covers the omitted first second too, hence seconds + 1.
            evaluatedPps: Math.round(median(evaluated.map((e) => e.packets / (seconds + 1)))),
            bytesPerEvaluatedPacket: Math.round(
              median(evaluated.map((e) => (e.packets > 0 ? e.bytes / e.packets : 0))),
            ),
          }
        : {}),
      ...(lost.length > 0 ? { medianLostPercent: round(median(lost), 2) } : {}),
    };
  });
  const medianOf = (scenario: string, mode: string): number | undefined => {
    const values = runs.filter((r) => r.scenario === scenario && r.mode === mode).map((r) => r.receivedBps / 1e9);
    return values.length > 0 ? median(values) : undefined;
  };
  for (const s of out) {
    const mine = medianOf(s.scenario, s.mode) ?? Number.NaN;
    const [b, n] = [medianOf('bare', s.mode), medianOf('nat', s.mode)];
    if (b) s.ratioToBare = round(mine / b, 3);
    if (n) s.ratioToNat = round(mine / n, 3);
  }
  return out;
}

export function throughputTable(summaries: readonly ThroughputSummary[]): string {
  const rows: (string | number)[][] = [
    [
      'scenario',
      'mode',
      'runs',
      'Gbit/s median',
      'min',
      'max',
      'vs bare',
      'vs nat',
      'policy pkts/s',
      'B/pkt',
      'UDP lost %',
    ],
  ];
  for (const s of summaries) {
    rows.push([
      s.scenario,
      s.mode,
      s.runs,
      s.medianGbps.toFixed(2),
      s.minGbps.toFixed(2),
      s.maxGbps.toFixed(2),
      s.ratioToBare !== undefined ? `${(s.ratioToBare * 100).toFixed(1)} %` : '',
      s.ratioToNat !== undefined ? `${(s.ratioToNat * 100).toFixed(1)} %` : '',
      s.evaluatedPps ?? '',
      s.bytesPerEvaluatedPacket ?? '',
      s.medianLostPercent ?? '',
    ]);
  }
  return formatTable(rows);
}
