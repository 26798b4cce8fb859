import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ipv4ToNumber, numberToIpv4 } from '../../../runtime/net/cidr.js';
import type { PolicyRule } from '../types.js';
import { ruleBoxes, type Box } from './box.js';
import { BoxIndex } from './box-index.js';

const BASE = ipv4ToNumber('10.0.0.0');

const spanOverlap = (a: { lo: number; hi: number }, b: { lo: number; hi: number }): boolean =>
  a.lo <= b.hi && b.lo <= a.hi;
const overlap = (a: Box, b: Box): boolean =>
  spanOverlap(a.src, b.src) &&
  spanOverlap(a.dst, b.dst) &&
  spanOverlap(a.proto, b.proto) &&
  spanOverlap(a.port, b.port);

// Two small regions of nested and sibling prefixes (ends meet often), and the odd wide prefix.
const cidr = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(0, 256), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 28, max: 32 }))
      .map(([region, offset, len]) => {
        const size = 2 ** (32 - len);
        return `${numberToIpv4(BASE + region + Math.floor(offset / size) * size)}/${len}`;
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/24') },
);
const boxOf = (source: fc.Arbitrary<string>): fc.Arbitrary<Box> =>
  fc
    .record({
      src: source,
      dst: cidr,
      protocol: fc.constantFrom<PolicyRule['protocol']>('tcp', 'udp', 'icmp', 'any'),
      first: fc.integer({ min: 0, max: 20 }),
      width: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ src, dst, protocol, first, width }) => {
      const ports = [{ first, last: first + width }];
      return ruleBoxes({ id: 'r', action: 'allow', sources: [src], destinations: [dst], protocol, ports })[0] as Box;
    });

describe('BoxIndex', () => {
  it.each([
    ['varied sources', boxOf(cidr)],
    // Few distinct sources: buckets big enough to be indexed again by destination.
    ['few sources', boxOf(fc.constantFrom('0.0.0.0/0', '10.0.0.0/28', '10.0.1.7/32'))],
  ])('finds exactly the earlier boxes a brute-force scan finds (%s)', (_name, box) => {
    fc.assert(
      fc.property(fc.array(box, { minLength: 40, maxLength: 150 }), (boxes) => {
        const index = new BoxIndex(boxes);
        boxes.forEach((query, q) => {
          const found: number[] = [];
          index.forEachEarlierOverlapping(q, (id) => found.push(id));
          const expected = boxes.flatMap((b, id) => (id < q && overlap(b, query) ? [id] : []));
          expect(found.sort((a, b) => a - b)).toEqual(expected);
        });
      }),
      { numRuns: 60 },
    );
  });
});
