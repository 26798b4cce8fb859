import { describe, expect, it } from '@jest/globals';
import { unitVector } from './embedder.js';

describe('unitVector', () => {
  it('scales a copy to unit length', () => {
    const input = [3, 4];
    expect(Array.from(unitVector(input)!)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(input).toEqual([3, 4]);
  });

  it('has no answer for vectors that cannot be compared', () => {
    for (const vector of [[], [0, 0], [1, Number.NaN], [Number.POSITIVE_INFINITY, 1]]) {
      expect(unitVector(vector)).toBeUndefined();
    }
  });
});
