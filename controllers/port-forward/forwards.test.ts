import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { forwardsOf, listenClashes, masqueradeClashes, targetPorts, type Forward } from './forwards.js';

/** Small port and address spaces, so that overlaps are common. */
const forwardArb: fc.Arbitrary<Forward> = fc
  .record({
    resource: fc.constantFrom('a', 'b'),
    protocol: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
    first: fc.integer({ min: 1, max: 40 }),
    width: fc.integer({ min: 0, max: 6 }),
    ip: fc.constantFrom('10.0.0.1', '10.0.0.2'),
    destinationPort: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    masquerade: fc.boolean(),
  })
  .map(({ first, width, destinationPort, ip, ...rest }) => ({
    ...rest,
    rule: 0,
    listenField: width === 0 ? 'listenPort' : 'listenPortRange',
    listen: { first, last: first + width },
    destinationIp: ip,
    ...(destinationPort !== undefined && width === 0 ? { destinationPort } : {}),
    sources: ['0.0.0.0/0'],
  }));

const forwardsArb = fc.array(forwardArb, { maxLength: 30 }).map((list) => list.map((f, rule) => ({ ...f, rule })));

const overlaps = (a: { first: number; last: number }, b: { first: number; last: number }): boolean =>
  a.first <= b.last && b.first <= a.last;

/** Indexes of forwards in some reported pair. */
const reported = (pairs: [Forward, Forward][]): Set<number> => new Set(pairs.flat().map((f) => f.rule));

describe('clash detection (sorted sweep) agrees with comparing every pair', () => {
  it('listen claims: only overlapping pairs, and every forward that overlaps another', () => {
    fc.assert(
      fc.property(forwardsArb, (forwards) => {
        const clashing = forwards.filter((f) =>
          forwards.some((g) => g !== f && g.protocol === f.protocol && overlaps(g.listen, f.listen)),
        );
        const pairs = listenClashes(forwards);
        for (const [a, b] of pairs) expect(a.protocol === b.protocol && overlaps(a.listen, b.listen)).toBe(true);
        // Every clashing forward takes part in some reported pair, so none goes unmentioned.
        expect(reported(pairs)).toEqual(new Set(clashing.map((f) => f.rule)));
      }),
      { numRuns: 300 },
    );
  });

  it('masquerade: only pairs that share a target and disagree, and some pair whenever one exists', () => {
    fc.assert(
      fc.property(forwardsArb, (forwards) => {
        const clash = (f: Forward, g: Forward): boolean =>
          f.destinationIp === g.destinationIp &&
          f.protocol === g.protocol &&
          f.masquerade !== g.masquerade &&
          overlaps(targetPorts(f), targetPorts(g));
        const pairs = masqueradeClashes(forwards);
        for (const [a, b] of pairs) expect(clash(a, b)).toBe(true);
        expect(pairs.length > 0).toBe(forwards.some((f) => forwards.some((g) => clash(f, g))));
      }),
      { numRuns: 300 },
    );
  });
});

describe('forwardsOf', () => {
  it('resolves defaults: any source, a kept port, canonical sources', () => {
    expect(
      forwardsOf('web', {
        rules: [
          { listenPort: 8080, protocol: 'tcp', destinationIp: '10.0.1.5', masquerade: true },
          {
            listenPortRange: '8000-8010',
            protocol: 'udp',
            destinationIp: '10.0.1.6',
            allowedSourceCidrs: ['203.0.113.0/24'],
            masquerade: false,
            description: 'games',
          },
        ],
      }),
    ).toEqual([
      {
        resource: 'web',
        rule: 0,
        listenField: 'listenPort',
        protocol: 'tcp',
        listen: { first: 8080, last: 8080 },
        destinationIp: '10.0.1.5',
        sources: ['0.0.0.0/0'],
        masquerade: true,
      },
      {
        resource: 'web',
        rule: 1,
        listenField: 'listenPortRange',
        protocol: 'udp',
        listen: { first: 8000, last: 8010 },
        destinationIp: '10.0.1.6',
        sources: ['203.0.113.0/24'],
        masquerade: false,
        description: 'games',
      },
    ]);
  });
});
