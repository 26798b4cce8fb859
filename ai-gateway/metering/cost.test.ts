import { describe, expect, it } from '@jest/globals';
import { cost, normaliseUsage } from './cost.js';

const price = { input: 2.5, output: 10, cachedInput: 1.25 };

describe('cost', () => {
  it('prices cached prompt tokens at cachedInput, the rest of the prompt at input, the completion at output', () => {
    expect(cost({ prompt: 1_000_000, completion: 0, cached: 0 }, price)).toBeCloseTo(2.5, 10);
    expect(cost({ prompt: 0, completion: 1_000_000, cached: 0 }, price)).toBeCloseTo(10, 10);
    expect(cost({ prompt: 1000, completion: 500, cached: 400 }, price)).toBeCloseTo(
      (600 * 2.5 + 400 * 1.25 + 500 * 10) / 1e6,
      12,
    );
  });

  it('never counts more cached tokens than prompt tokens, nor negative tokens', () => {
    expect(cost({ prompt: 100, completion: 0, cached: 1000 }, price)).toBeCloseTo((100 * 1.25) / 1e6, 12);
    expect(cost({ prompt: -5, completion: Number.NaN, cached: -1 }, price)).toBe(0);
  });
});

describe('normaliseUsage', () => {
  it('reads prompt, completion and cached tokens from OpenAI usage', () => {
    expect(
      normaliseUsage({
        prompt_tokens: 120,
        completion_tokens: 30,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 100 },
      }),
    ).toEqual({ prompt: 120, completion: 30, cached: 100 });
  });

  it('counts absent usage and details as 0', () => {
    expect(normaliseUsage(undefined)).toEqual({ prompt: 0, completion: 0, cached: 0 });
    expect(normaliseUsage({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 })).toEqual({
      prompt: 5,
      completion: 1,
      cached: 0,
    });
  });
});
