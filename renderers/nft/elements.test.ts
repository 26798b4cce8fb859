import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cidrRange, numberToIpv4 } from '../../runtime/net/cidr.js';
import { disjointCidrs } from '../../testing/arbitraries.js';
import { elementFromJson, elementToJson, patchSorted, sortElements } from './elements.js';
import type { NftSetRef } from './model.js';

describe('elementToJson', () => {
  it.each([
    ['ipv4_addr', '10.0.0.0/8', { prefix: { addr: '10.0.0.0', len: 8 } }],
    ['ipv4_addr', '0.0.0.0/0', { prefix: { addr: '0.0.0.0', len: 0 } }],
    ['ipv4_addr', '192.168.1.7/32', '192.168.1.7'],
    ['ipv4_addr', '10.0.0.1-10.0.0.9', { range: ['10.0.0.1', '10.0.0.9'] }],
    ['inet_service', '443', 443],
    ['inet_service', '8000-8080', { range: [8000, 8080] }],
    ['inet_proto', '6', 6],
    ['inet_proto', '0-255', { range: [0, 255] }],
  ] as const)('%s %s -> %j', (type, element, json) => {
    expect(elementToJson(type, element)).toEqual(json);
  });

  const concat = ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'] as const;
  it.each([
    [
      'a concatenated interval element',
      { name: 's', type: [...concat] },
      '10.0.0.0/8 . 192.168.1.1/32 . 6 . 80-90',
      { concat: [{ prefix: { addr: '10.0.0.0', len: 8 } }, '192.168.1.1', 6, { range: [80, 90] }] },
    ],
    [
      'a map element with a concatenated value',
      { name: 'm', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'] },
      '0.0.0.0/0 . 6 . 8080 : 10.0.0.5/32 . 80',
      [{ concat: [{ prefix: { addr: '0.0.0.0', len: 0 } }, 6, 8080] }, { concat: ['10.0.0.5', 80] }],
    ],
    ['a verdict map element', { name: 'v', type: 'inet_service', map: 'verdict' }, '22 : drop', [22, { drop: null }]],
    ['a jump', { name: 'v', type: 'inet_service', map: 'verdict' }, '22 : jump x', [22, { jump: { target: 'x' } }]],
  ] as const)('%s', (_what, set, element, json) => {
    expect(elementToJson(set as NftSetRef, element)).toEqual(json);
  });
});

describe('elementFromJson', () => {
  it.each([
    ['a bare address', '192.168.1.7', '192.168.1.7/32'],
    ['a prefix', { prefix: { addr: '10.0.0.0', len: 8 } }, '10.0.0.0/8'],
    ['an address range', { range: ['10.0.0.1', '10.0.0.9'] }, '10.0.0.1-10.0.0.9'],
    ['a port', 443, '443'],
    ['a port range', { range: [8000, 8080] }, '8000-8080'],
    ['a protocol name, as a number', 'tcp', '6'],
    [
      'a concatenation as nft 1.0.6 lists it',
      { concat: [{ prefix: { addr: '10.0.0.0', len: 8 } }, '192.168.1.1', 'tcp', { range: [80, 90] }] },
      '10.0.0.0/8 . 192.168.1.1/32 . 6 . 80-90',
    ],
    [
      'a map element',
      [{ concat: [{ prefix: { addr: '0.0.0.0', len: 0 } }, 'tcp', 8080] }, { concat: ['10.0.0.5', 80] }],
      '0.0.0.0/0 . 6 . 8080 : 10.0.0.5/32 . 80',
    ],
    ['a verdict map element', [{ prefix: { addr: '1.2.3.0', len: 24 } }, { drop: null }], '1.2.3.0/24 : drop'],
    [
      'an element wrapped with a counter',
      { elem: { val: { prefix: { addr: '10.0.0.0', len: 16 } }, counter: { packets: 3, bytes: 180 } } },
      '10.0.0.0/16',
    ],
    ['a wrapped bare address', { elem: { val: '192.168.1.7', counter: { packets: 0, bytes: 0 } } }, '192.168.1.7/32'],
  ])('decodes %s', (_what, json, element) => {
    expect(elementFromJson(json)).toBe(element);
  });

  it('keeps unknown shapes visible instead of dropping them', () => {
    expect(elementFromJson({ set: ['10.0.0.1'] })).toBe('{"set":["10.0.0.1"]}');
  });

  it('round-trips every canonical element through its JSON form', () => {
    const set: NftSetRef = { name: 'm', type: ['ipv4_addr', 'inet_proto', 'inet_service'], map: 'ipv4_addr' };
    for (const element of ['10.1.0.0/16 . 17 . 53 : 10.0.0.1/32', '0.0.0.0/0 . 0-255 . 0-65535 : 1.2.3.4/32'])
      expect(elementFromJson(elementToJson(set, element))).toBe(element);
  });
});

describe('sortElements', () => {
  it('sorts addresses numerically, not as text', () => {
    expect(sortElements(['192.168.0.0/16', '10.0.0.0/8', '9.0.0.0/8', '100.64.0.0/10', '10.0.0.1-10.0.0.9'])).toEqual([
      '9.0.0.0/8',
      '10.0.0.0/8',
      '10.0.0.1-10.0.0.9',
      '100.64.0.0/10',
      '192.168.0.0/16',
    ]);
  });

  it('sorts ports numerically', () => {
    expect(sortElements(['8080', '443', '22', '1000-2000'])).toEqual(['22', '443', '1000-2000', '8080']);
  });

  it('sorts concatenations component by component, then maps by key and value', () => {
    expect(
      sortElements(['10.0.0.0/8 . 6 . 80', '9.0.0.0/8 . 17 . 53', '10.0.0.0/8 . 6 . 22', '10.0.0.0/8 . 1 . 0-65535']),
    ).toEqual(['9.0.0.0/8 . 17 . 53', '10.0.0.0/8 . 1 . 0-65535', '10.0.0.0/8 . 6 . 22', '10.0.0.0/8 . 6 . 80']);
    expect(sortElements(['80 : 10.0.0.9/32', '22 : 10.0.0.1/32'])).toEqual(['22 : 10.0.0.1/32', '80 : 10.0.0.9/32']);
  });

  it('returns a new array and leaves its input alone', () => {
    const input = ['10.0.0.2/32', '10.0.0.1/32'];
    const sorted = sortElements(input);
    expect(sorted).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
    expect(input).toEqual(['10.0.0.2/32', '10.0.0.1/32']);
  });
});

const disjoint = disjointCidrs({ maxLength: 40 });

describe('element properties', () => {
  it('elementFromJson(elementToJson(x)) === x for any canonical IPv4 CIDR in a disjoint set', () => {
    fc.assert(
      fc.property(disjoint, (cidrs) => {
        for (const c of cidrs) expect(elementFromJson(elementToJson('ipv4_addr', c))).toBe(c);
      }),
    );
  });

  it('round-trips address ranges and ports', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 2 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 65535 }),
        (a, span, port) => {
          const range = `${numberToIpv4(a)}-${numberToIpv4(Math.min(a + span, 2 ** 32 - 1))}`;
          expect(elementFromJson(elementToJson('ipv4_addr', range))).toBe(range);
          expect(elementFromJson(elementToJson('inet_service', String(port)))).toBe(String(port));
        },
      ),
    );
  });

  it('sorting a disjoint set is independent of input order and ascends by first address', () => {
    fc.assert(
      fc.property(
        disjoint.chain((cidrs) =>
          fc.tuple(fc.constant(cidrs), fc.shuffledSubarray(cidrs, { minLength: cidrs.length })),
        ),
        ([cidrs, shuffled]) => {
          const sorted = sortElements(shuffled);
          expect(sorted).toEqual(sortElements(cidrs));
          const firsts = sorted.map((c) => cidrRange(c).first);
          expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
          expect(new Set(firsts).size).toBe(firsts.length);
        },
      ),
    );
  });
});

describe('patchSorted', () => {
  const element = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 1, max: 65535 }))
    .map(([octet, prefix, port]) => `10.${octet}.0.0/${prefix} . tcp . ${port}`);

  it('gives what sorting the edited set gives', () => {
    fc.assert(
      fc.property(fc.uniqueArray(element), fc.array(element), fc.array(element), (base, add, remove) => {
        const sorted = sortElements(base);
        const edited = new Set(base);
        for (const e of remove) edited.delete(e);
        const afterRemove = patchSorted(sorted, [], remove);
        expect(afterRemove).toEqual(sortElements([...edited]));
        for (const e of add) edited.add(e);
        expect(patchSorted(afterRemove, add, [])).toEqual(sortElements([...edited]));
      }),
    );
  });
});
