import { describe, expect, it } from '@jest/globals';
import { cosine, testEmbedding } from './deterministic-embedder.js';

const PARAPHRASES: [string, string][] = [
  ['What is the capital of France?', "What's France's capital city?"],
  ['Explain how a car engine works', 'Please describe how car engines work'],
  ['What is the biggest planet?', 'Which planet is the largest?'],
];
const UNRELATED: [string, string][] = [
  ['What is the capital of France?', 'What is the capital of Germany?'],
  ['Explain how a car engine works', 'Write a poem about the sea'],
  ['What is the biggest planet?', 'What is the smallest planet?'],
];

describe('the deterministic test embedder', () => {
  it('is deterministic and unit length', () => {
    const a = testEmbedding('hello world');
    expect(testEmbedding('hello world')).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
  });
  it.each(PARAPHRASES)('puts paraphrases close: %s ~ %s', (a, b) => {
    expect(cosine(testEmbedding(a), testEmbedding(b))).toBeGreaterThan(0.95);
  });
  it.each(UNRELATED)('keeps other questions apart: %s vs %s', (a, b) => {
    expect(cosine(testEmbedding(a), testEmbedding(b))).toBeLessThan(0.8);
  });
});
