import { formatTable } from './report.js';
import { summarize } from './stats.js';

/** One measured number of one round: e.g. scenario `lb`, metric `conn/s`, round 2. */
export interface Sample {
  scenario: string;
  metric: string;
  round: number;
  value: number;
}

export interface MetricSummary {
  metric: string;
  scenario: string;
  runs: number;
  /** Nearest-rank median over the rounds (a value that was observed), min and max. */
  median: number;
  min: number;
  max: number;
  /** median / the baseline scenario's median of the same metric; absent for the baseline and without one. */
  ratio?: number;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Groups samples by metric then scenario (first-seen order) and relates each median to the baseline's. */
export function summarizeSamples(samples: readonly Sample[], baseline: string): MetricSummary[] {
  const metrics = [...new Set(samples.map((s) => s.metric))];
  return metrics.flatMap((metric) => {
    const mine = samples.filter((s) => s.metric === metric);
    const scenarios = [...new Set(mine.map((s) => s.scenario))];
    const medianOf = (scenario: string): number =>
      summarize(mine.filter((s) => s.scenario === scenario).map((s) => s.value)).p50;
    const base = scenarios.includes(baseline) ? medianOf(baseline) : undefined;
    return scenarios.map((scenario): MetricSummary => {
      const s = summarize(mine.filter((x) => x.scenario === scenario).map((x) => x.value));
      const ratio = scenario !== baseline && base !== undefined && base !== 0 ? s.p50 / base : undefined;
      return {
        metric,
        scenario,
        runs: s.n,
        median: round(s.p50, 3),
        min: round(s.min, 3),
        max: round(s.max, 3),
        ...(ratio !== undefined ? { ratio: round(ratio, 3) } : {}),
      };
    });
  });
}

function fixed(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

export function summaryTable(summaries: readonly MetricSummary[], baseline: string): string {
  const rows: (string | number)[][] = [['metric', 'scenario', 'runs', 'median', 'min', 'max', `vs ${baseline}`]];
  for (const s of summaries) {
    const ratio = s.ratio !== undefined ? `${(s.ratio * 100).toFixed(1)} %` : '';
    rows.push([s.metric, s.scenario, s.runs, fixed(s.median), fixed(s.min), fixed(s.max), ratio]);
  }
  return formatTable(rows);
}

/** Completed connections (or handshakes) per second of one run. */
export function perSecond(ok: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0;
}

/**
 * How evenly the balancer spread connections over its targets: the counts, and the largest and smallest share of
 * the total (1/n each when perfectly even; rr's `numgen inc` gives n-1 targets equal counts and one at most 1 off).
 */
export function spreadOf(counts: Readonly<Record<string, number>>): {
  total: number;
  maxShare: number;
  minShare: number;
} {
  const values = Object.values(counts);
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0 || values.length === 0) return { total, maxShare: 0, minShare: 0 };
  return {
    total,
    maxShare: round(Math.max(...values) / total, 4),
    minShare: round(Math.min(...values) / total, 4),
  };
}

/** Scenario order of round r (1-based): as given on odd rounds, reversed on even ones, to cancel drift. */
export function roundOrder<T>(scenarios: readonly T[], r: number): T[] {
  return r % 2 === 1 ? [...scenarios] : [...scenarios].reverse();
}
