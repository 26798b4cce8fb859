import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatPortRange, MAX_PORT, parsePortRange, reversedRange } from './ports.js';

describe('parsePortRange', () => {
  it.each<[number | string, { first: number; last: number }]>([
    [443, { first: 443, last: 443 }],
    ['443', { first: 443, last: 443 }],
    ['8000-8100', { first: 8000, last: 8100 }],
    ['1025-65535', { first: 1025, last: 65535 }],
    ['9000-8000', { first: 9000, last: 8000 }],
  ])('%j -> %j', (port, range) => {
    expect(parsePortRange(port)).toEqual(range);
  });

  it('round-trips through formatPortRange for every ordered range', () => {
    const port = fc.integer({ min: 1, max: MAX_PORT });
    fc.assert(
      fc.property(port, port, (a, b) => {
        const range = { first: Math.min(a, b), last: Math.max(a, b) };
        expect(parsePortRange(formatPortRange(range))).toEqual(range);
      }),
    );
  });
});

describe('formatPortRange', () => {
  it('writes a single port alone and a range with a dash', () => {
    expect(formatPortRange({ first: 80, last: 80 })).toBe('80');
    expect(formatPortRange({ first: 8000, last: 8010 })).toBe('8000-8010');
  });
});

describe('reversedRange', () => {
  it('names the field and the text of a backwards range, and nothing else', () => {
    expect(reversedRange('spec.rules[0].listenPortRange', '9000-8000')).toBe(
      'spec.rules[0].listenPortRange: 9000-8000 is reversed',
    );
    expect(reversedRange('f', '8000-9000')).toBeUndefined();
    expect(reversedRange('f', 80)).toBeUndefined();
  });
});
