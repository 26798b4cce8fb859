import type { LbMode, LbOp, LbPointResult, LbSample } from './lb-apply-points.js';
import { formatTable, ms } from './report.js';
import { percentile } from './stats.js';

/** Nearest-rank percentiles of one phase over the measured (non-warm-up) samples. */
export interface PhaseSummary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export interface LbSeriesSummary {
  size: number;
  mode: LbMode;
  op: LbOp;
  total: PhaseSummary;
  observe: PhaseSummary;
  plan: PhaseSummary;
  commit: PhaseSummary;
  /** The warm-up pass (first of its kind in the process), not in the summaries. */
  warmupTotal: number;
  ops: string;
}

const round = (v: number): number => Math.round(v * 10) / 10;

function phase(samples: readonly LbSample[], f: (s: LbSample) => number): PhaseSummary {
  const sorted = samples.map(f).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function summarizeLbPoints(points: readonly LbPointResult[]): LbSeriesSummary[] {
  return points.flatMap((p) =>
    p.series.map((s) => {
      const measured = s.samples.filter((x) => !x.warmup);
      return {
        size: p.size,
        mode: s.mode,
        op: s.op,
        total: phase(measured, (x) => x.total),
        observe: phase(measured, (x) => x.observe),
        plan: phase(measured, (x) => x.plan),
        commit: phase(measured, (x) => x.commit),
        warmupTotal: round(s.samples.find((x) => x.warmup)?.total ?? Number.NaN),
        ops: [...new Set(measured.map((x) => x.ops))].join(' | '),
      };
    }),
  );
}

export function seriesTable(summaries: readonly LbSeriesSummary[]): string {
  return formatTable([
    ['targets', 'mode', 'op', 'total p50', 'total p95', 'observe p50', 'plan p50', 'commit p50', 'commit p95', 'ops'],
    ...summaries.map((s) => [
      s.size,
      s.mode,
      s.op,
      ms(s.total.p50),
      ms(s.total.p95),
      ms(s.observe.p50),
      ms(s.plan.p50),
      ms(s.commit.p50),
      ms(s.commit.p95),
      s.ops,
    ]),
  ]);
}

const ratio = (a: number | undefined, b: number | undefined): number =>
  a === undefined || b === undefined || b === 0 ? Number.NaN : Math.round((a / b) * 100) / 100;

/** Per size and op: replace / delta, of the total and of the commit alone (p50). */
export function replaceVsDelta(summaries: readonly LbSeriesSummary[]) {
  const find = (size: number, mode: LbMode, op: LbOp): LbSeriesSummary | undefined =>
    summaries.find((s) => s.size === size && s.mode === mode && s.op === op);
  return summaries
    .filter((s) => s.mode === 'delta')
    .map((d) => {
      const r = find(d.size, 'replace', d.op);
      return {
        size: d.size,
        op: d.op,
        totalReplaceOverDelta: ratio(r?.total.p50, d.total.p50),
        commitReplaceOverDelta: ratio(r?.commit.p50, d.commit.p50),
      };
    });
}

/** Per mode and op: largest size / smallest size (p50; 1.0 = flat in the number of targets). */
export function flatness(summaries: readonly LbSeriesSummary[]) {
  const sizes = [...new Set(summaries.map((s) => s.size))].sort((a, b) => a - b);
  const [small, large] = [sizes[0], sizes.at(-1)];
  const at = (size: number | undefined, s: LbSeriesSummary): LbSeriesSummary | undefined =>
    summaries.find((x) => x.size === size && x.mode === s.mode && x.op === s.op);
  return summaries
    .filter((s) => s.size === small)
    .map((s) => ({
      mode: s.mode,
      op: s.op,
      sizes: `${large ?? '?'}/${small ?? '?'}`,
      total: ratio(at(large, s)?.total.p50, s.total.p50),
      commit: ratio(at(large, s)?.commit.p50, s.commit.p50),
    }));
}

/** The goal: a one-target change through deltas takes at most goalMs (p95 of the total) at every size. */
export function deltaGoal(summaries: readonly LbSeriesSummary[], goalMs: number) {
  const delta = summaries.filter((s) => s.mode === 'delta');
  const worst = delta.reduce((m, s) => Math.max(m, s.total.p95), 0);
  return { goalMs, worstDeltaP95Ms: worst, met: delta.length > 0 && worst <= goalMs };
}
