import type { PointResult, Sample } from './apply-points.js';
import { formatTable, ms } from './report.js';
import { rounded, summarize, type Summary } from './stats.js';

/** Per series: the total and its two halves, in-process (compile/build + plan) and nft (observe + commit). */
export interface SeriesSummary {
  total: Summary;
  cpu: Summary;
  nft: Summary;
  build: Summary;
  observe: Summary;
  plan: Summary;
  commit: Summary;
  /** The warm-up repetition (first compile in the process, cold JIT), not in the summaries. */
  warmupTotal: number;
  ops: string;
}

export type PointSummary = Record<
  'compiledFull' | 'compiledOneChange' | 'naiveFull' | 'naiveRebuild' | 'naiveReplaceRule',
  SeriesSummary
>;

export function summarizeSeries(samples: readonly Sample[]): SeriesSummary {
  const measured = samples.filter((s) => !s.warmup);
  const of = (f: (s: Sample) => number): Summary => rounded(summarize(measured.map(f)));
  return {
    total: of((s) => s.total),
    cpu: of((s) => s.build + s.plan),
    nft: of((s) => s.observe + s.commit),
    build: of((s) => s.build),
    observe: of((s) => s.observe),
    plan: of((s) => s.plan),
    commit: of((s) => s.commit),
    warmupTotal: Math.round((samples.find((s) => s.warmup)?.total ?? Number.NaN) * 10) / 10,
    ops: [...new Set(measured.map((s) => s.ops))].join(' | '),
  };
}

export function summarizePoint(p: PointResult): PointSummary {
  return {
    compiledFull: summarizeSeries(p.compiled.full),
    compiledOneChange: summarizeSeries(p.compiled.oneChange),
    naiveFull: summarizeSeries(p.naive.full),
    naiveRebuild: summarizeSeries(p.naive.rebuild),
    naiveReplaceRule: summarizeSeries(p.naive.replaceRule),
  };
}

const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
const p50p90 = (s: Summary): string => `${ms(s.p50)} / ${ms(s.p90)}`;
const split = (s: SeriesSummary): string => `${ms(s.cpu.p50)} + ${ms(s.nft.p50)}`;

/** Median and p90 of every series, with the compiled apply split into in-process and nft time. */
export function pointsTable(points: readonly { result: PointResult; summary: PointSummary }[]): string {
  const rows: (string | number)[][] = [
    [
      'kind',
      'N',
      'sets/elements',
      'full p50/p90',
      'full cpu+nft',
      'one p50/p90',
      'one cpu+nft',
      'naive full',
      'naive rebuild',
      'replace rule',
    ],
  ];
  for (const { result: r, summary: s } of points) {
    rows.push([
      r.kind,
      r.size,
      `${r.compiledShape.sets}/${r.compiledShape.elements}`,
      p50p90(s.compiledFull.total),
      split(s.compiledFull),
      p50p90(s.compiledOneChange.total),
      split(s.compiledOneChange),
      p50p90(s.naiveFull.total),
      p50p90(s.naiveRebuild.total),
      p50p90(s.naiveReplaceRule.total),
    ]);
  }
  return formatTable(rows);
}

export interface Ratios {
  kind: string;
  size: number;
  /** compiled / naive, medians. */
  fullVsNaiveFull: number;
  oneChangeVsNaiveRebuild: number;
  oneChangeVsReplaceRule: number;
}

export function ratios(points: readonly { result: PointResult; summary: PointSummary }[]): Ratios[] {
  return points.map(({ result: r, summary: s }) => ({
    kind: r.kind,
    size: r.size,
    fullVsNaiveFull: Number(ratio(s.compiledFull.total.p50, s.naiveFull.total.p50)),
    oneChangeVsNaiveRebuild: Number(ratio(s.compiledOneChange.total.p50, s.naiveRebuild.total.p50)),
    oneChangeVsReplaceRule: Number(ratio(s.compiledOneChange.total.p50, s.naiveReplaceRule.total.p50)),
  }));
}

/** Largest N against smallest N of each kind, medians: 1.0 is flat in N. */
export function flatness(points: readonly { result: PointResult; summary: PointSummary }[]): Record<string, unknown>[] {
  const kinds = [...new Set(points.map((p) => p.result.kind))];
  return kinds.flatMap((kind) => {
    const mine = points.filter((p) => p.result.kind === kind).sort((a, b) => a.result.size - b.result.size);
    const [lo, hi] = [mine[0], mine[mine.length - 1]];
    if (!lo || !hi || lo === hi) return [];
    const of = (key: keyof PointSummary): number => Number(ratio(hi.summary[key].total.p50, lo.summary[key].total.p50));
    return [
      {
        kind,
        sizes: `${hi.result.size} vs ${lo.result.size}`,
        compiledFull: of('compiledFull'),
        compiledOneChange: of('compiledOneChange'),
        naiveFull: of('naiveFull'),
        naiveRebuild: of('naiveRebuild'),
        naiveReplaceRule: of('naiveReplaceRule'),
      },
    ];
  });
}

/** Where the compiled time goes (medians): compile, observe, plan, commit. */
export function phasesTable(points: readonly { result: PointResult; summary: PointSummary }[]): string {
  const rows: (string | number)[][] = [
    ['kind', 'N', 'series', 'build', 'observe', 'plan', 'commit', 'total', 'warm-up', 'ops'],
  ];
  for (const { result: r, summary: s } of points) {
    for (const key of ['compiledFull', 'compiledOneChange'] as const) {
      const x = s[key];
      const cells = [x.build, x.observe, x.plan, x.commit, x.total].map((v) => ms(v.p50));
      rows.push([r.kind, r.size, key, ...cells, ms(x.warmupTotal), x.ops]);
    }
  }
  return formatTable(rows);
}
