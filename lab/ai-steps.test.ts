import { describe, expect, it } from '@jest/globals';
import { cacheProblem, chatLine, parseChatResult, usageCounted, type LabChatResult } from './ai-steps.js';

const miss: LabChatResult = { content: 'echo: hi', cache: 'miss', promptTokens: 3, completionTokens: 2 };
const hit: LabChatResult = { ...miss, cache: 'hit' };
const calls = { before: 4, afterFirst: 5, afterRepeat: 5 };

describe('parseChatResult', () => {
  it('reads the last line the client printed', () => {
    expect(parseChatResult(`warning: something\n${JSON.stringify(miss)}\n`)).toEqual(miss);
  });

  it('keeps an absent cache header as null', () => {
    expect(parseChatResult(JSON.stringify({ ...miss, cache: undefined })).cache).toBeNull();
  });

  it.each([
    ['no usage', JSON.stringify({ content: 'x', cache: 'miss' })],
    ['a usage that is not a number', JSON.stringify({ ...miss, promptTokens: '3' })],
  ])('refuses %s', (_, text) => {
    expect(() => parseChatResult(text)).toThrow('printed no usage');
  });

  it('refuses a line that is not JSON', () => {
    expect(() => parseChatResult('Connection error.')).toThrow();
  });
});

describe('chatLine', () => {
  it('shows the answer, the cache header and the tokens', () => {
    expect(chatLine(hit)).toBe('answer "echo: hi" (x-csgw-cache: hit, 3 prompt + 2 completion tokens)');
    expect(chatLine({ ...miss, cache: null })).toContain('x-csgw-cache: absent');
  });
});

describe('cacheProblem', () => {
  it('accepts a miss the stand-in answered, then a hit it never saw', () => {
    expect(cacheProblem(miss, hit, calls)).toBeUndefined();
  });

  it.each([
    ['a first hit', hit, hit, calls, 'the first request was not a cache miss (x-csgw-cache: hit)'],
    ['a first call never upstream', miss, hit, { ...calls, afterFirst: 4, afterRepeat: 4 }, 'went 4 -> 4'],
    ['a first call upstream twice', miss, hit, { ...calls, afterFirst: 6, afterRepeat: 6 }, 'went 4 -> 6'],
    [
      'a repeat that missed',
      miss,
      miss,
      { ...calls, afterRepeat: 6 },
      'the repeat was not a cache hit (x-csgw-cache: miss)',
    ],
    ['a bypass', miss, { ...hit, cache: 'bypass' }, calls, 'not a cache hit (x-csgw-cache: bypass)'],
    ['another answer', miss, { ...hit, content: 'echo: other' }, calls, 'the cached answer differs'],
    [
      'a hit that reached upstream',
      miss,
      hit,
      { ...calls, afterRepeat: 6 },
      'the repeat reached the stand-in; its calls went 5 -> 6',
    ],
  ])('names %s', (_, first, repeat, counts, problem) => {
    expect(cacheProblem(first, repeat, counts)).toContain(problem);
  });
});

describe('usageCounted', () => {
  const usage = (requests: number, savedUsd: number): string =>
    JSON.stringify({ rows: [], total: { requests, savedUsd } });

  it('waits for every call and some saving', () => {
    expect(usageCounted(usage(2, 0.0001), 2)).toBe(true);
    expect(usageCounted(usage(3, 0.0001), 2)).toBe(true);
    expect(usageCounted(usage(1, 0.0001), 2)).toBe(false);
    expect(usageCounted(usage(2, 0), 2)).toBe(false);
    expect(usageCounted(JSON.stringify({ rows: [] }), 2)).toBe(false);
  });
});
