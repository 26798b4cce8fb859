// Spread checks for load-balancing tests: a statistical bound, never an exact split.

/** Pearson's chi-square statistic of observed counts against expected shares (which sum to 1). */
export function chiSquare(observed: readonly number[], shares: readonly number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const expected = total * (shares[i] ?? 0);
    return sum + (o - expected) ** 2 / expected;
  }, 0);
}

/** Chi-square critical values at p = 0.001 (1 and 2 degrees of freedom): a fair split fails 1 run in 1,000. */
export const CHI_SQUARE_P001_1DF = 10.83;
export const CHI_SQUARE_P001_2DF = 13.82;
