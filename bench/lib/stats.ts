/** Order statistics for latency samples. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile (the smallest sample with at least p% of the samples at or below it). It never
 * interpolates, so every reported number is a latency that was really observed; with n = 50, p99 is the max.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** Rounds every number of a summary for printing and JSON (sub-0.1 ms digits are noise here). */
export function rounded(summary: Summary, digits = 1): Summary {
  const f = 10 ** digits;
  const r = (v: number): number => Math.round(v * f) / f;
  return {
    n: summary.n,
    min: r(summary.min),
    p50: r(summary.p50),
    p90: r(summary.p90),
    p99: r(summary.p99),
    max: r(summary.max),
    mean: r(summary.mean),
  };
}
