import { describe, expect, it } from '@jest/globals';
import { CHI_SQUARE_P001_2DF, chiSquare } from './chi-square.js';

describe('chiSquare', () => {
  it('is 0 for the expected split and grows with the deviation', () => {
    expect(chiSquare([10, 20, 30], [1 / 6, 2 / 6, 3 / 6])).toBeCloseTo(0);
    // (25-20)²/20 + (15-20)²/20 + 0 = 2.5
    expect(chiSquare([25, 15, 20], [1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(2.5);
    expect(chiSquare([60, 0, 0], [1 / 3, 1 / 3, 1 / 3])).toBeGreaterThan(CHI_SQUARE_P001_2DF);
  });
});
