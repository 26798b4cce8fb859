import { describe, expect, it } from '@jest/globals';
import { numberToIpv4 } from '../../../runtime/net/cidr.js';
import type { FirewallAction, PolicyRule } from '../types.js';
import { groupRules } from './groups.js';

/** A tcp rule; `src`/`dst` "" means any. */
const rule = (
  id: string,
  action: FirewallAction,
  src: string,
  dst = '',
  ports: [number, number][] = [],
): PolicyRule => ({
  id,
  action,
  sources: src ? [src] : [],
  destinations: dst ? [dst] : [],
  protocol: 'tcp',
  ports: ports.map(([first, last]) => ({ first, last })),
});

/** Each group as "action: ruleIds of each layer", layers separated by " | ". */
const shape = (rules: PolicyRule[]): string[] =>
  groupRules(rules).map((g) => `${g.action}: ${g.layers.map((l) => l.ruleIds.join(',')).join(' | ')}`);

describe('groupRules', () => {
  it.each<[string, PolicyRule[], string[]]>([
    ['no rules, no groups', [], []],
    [
      'allow before an overlapping deny stays first',
      [rule('a', 'allow', '10.0.0.0/8'), rule('d', 'deny', '10.1.0.0/16')],
      ['allow: a', 'deny: d'],
    ],
    [
      'deny before an overlapping allow stays first',
      [rule('d', 'deny', '10.1.0.0/16'), rule('a', 'allow', '10.0.0.0/8')],
      ['deny: d', 'allow: a'],
    ],
    [
      'alternating rules that never overlap collapse to one group per action',
      [
        rule('a1', 'allow', '10.0.0.0/16'),
        rule('d1', 'deny', '10.1.0.0/16'),
        rule('a2', 'allow', '10.2.0.0/16'),
        rule('d2', 'deny', '10.3.0.0/16'),
        rule('a3', 'allow', '10.4.0.0/16'),
        rule('d3', 'deny', '10.5.0.0/16'),
      ],
      ['allow: a1,a2,a3', 'deny: d1,d2,d3'],
    ],
    [
      'a rule is hoisted past a different action it does not overlap',
      [rule('a1', 'allow', '10.0.0.0/8'), rule('d', 'deny', '192.168.0.0/16'), rule('a2', 'allow', '172.16.0.0/12')],
      ['allow: a1,a2', 'deny: d'],
    ],
    [
      'a rule is not hoisted past a different action it overlaps',
      [rule('a1', 'allow', '10.0.0.0/8'), rule('d', 'deny', '192.168.0.0/16'), rule('a2', 'allow', '192.168.1.0/24')],
      ['allow: a1', 'deny: d', 'allow: a2'],
    ],
    [
      'a rule joins the earliest group of its action after the last overlapping one, else a new group',
      [
        rule('a1', 'allow', '10.0.0.0/8'),
        rule('d1', 'deny', '192.168.0.0/16'),
        rule('a2', 'allow', '192.168.1.0/24'),
        rule('d2', 'deny', '172.16.0.0/12'),
        rule('d3', 'deny', '192.168.1.0/24', '', [[22, 22]]),
        rule('d4', 'deny', '192.168.1.0/24', '', [[23, 23]]),
      ],
      ['allow: a1', 'deny: d1,d2', 'allow: a2', 'deny: d3,d4'],
    ],
    [
      'overlap needs every dimension: other ports, other destinations do not block',
      [
        rule('a1', 'allow', '10.0.0.0/8', '', [[80, 80]]),
        rule('d1', 'deny', '10.0.0.0/8', '', [[443, 443]]),
        rule('d2', 'deny', '10.0.0.0/8', '1.1.1.1/32', [[80, 90]]),
        rule('a2', 'allow', '10.0.0.0/8', '2.2.2.2/32', [[80, 90]]),
      ],
      ['allow: a1 | a2', 'deny: d1,d2'],
    ],
    [
      'an element contained in an earlier one of its group is redundant, duplicates too',
      [rule('a1', 'allow', '10.0.0.0/8'), rule('a2', 'allow', '10.1.0.0/16'), rule('a3', 'allow', '10.0.0.0/8')],
      ['allow: a1'],
    ],
    [
      'an earlier element contained in a later one of its group is dropped',
      [rule('a1', 'allow', '10.1.0.0/16'), rule('a2', 'allow', '10.0.0.0/8')],
      ['allow: a2'],
    ],
    [
      'partial overlaps within a group go to separate layers',
      [
        rule('a1', 'allow', '10.0.0.0/8', '1.2.3.0/24', [[80, 90]]),
        rule('a2', 'allow', '10.1.0.0/16', '1.2.0.0/16', [[85, 95]]),
        rule('a3', 'allow', '10.1.0.0/16', '1.2.3.0/24', [[0, 65535]]),
        rule('a4', 'allow', '192.168.0.0/16'),
      ],
      ['allow: a1,a4 | a2 | a3'],
    ],
  ])('%s', (_name, rules, expected) => {
    expect(shape(rules)).toEqual(expected);
  });

  it('keeps layers disjoint when a dropped element frees a layer', () => {
    const groups = groupRules([
      rule('a1', 'allow', '10.0.0.0/8', '1.2.3.0/24'),
      rule('a2', 'allow', '10.1.0.0/16', '1.2.0.0/16'),
      rule('a3', 'allow', '10.0.0.0/8', '1.2.0.0/16'),
    ]);
    expect(groups.map((g) => g.layers.map((l) => l.elements))).toEqual([[['10.0.0.0/8 . 1.2.0.0/16 . 6 . 0-65535']]]);
  });

  it('keeps the elements of a rule with several sources, destinations and ports', () => {
    const many: PolicyRule = {
      ...rule('m', 'deny', ''),
      sources: ['10.0.0.0/24', '10.0.1.0/24'],
      destinations: ['1.1.1.1/32', '2.2.2.2/32'],
      ports: [
        { first: 1, last: 2 },
        { first: 5, last: 5 },
      ],
    };
    const [group] = groupRules([many]);
    expect(group?.layers).toHaveLength(1);
    expect(group?.layers[0]?.elements).toHaveLength(8);
  });
});

/** mulberry32: a seeded generator, so the large list below is the same on every run and every fast-check version. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Random /16-/32 sources and destinations, all protocols, some port ranges; 1% of rules 0.0.0.0/0 on one side. */
function largeList(count: number, seed: number): PolicyRule[] {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const prefix = (): string => {
    const len = 16 + Math.floor(random() * 17);
    const size = 2 ** (32 - len);
    return `${numberToIpv4(Math.floor((random() * 2 ** 32) / size) * size)}/${len}`;
  };
  return Array.from({ length: count }, (_, i) => {
    const wide = random() < 0.01 ? pick(['src', 'dst']) : undefined;
    const protocol = pick(['tcp', 'udp', 'icmp', 'any'] as const);
    const first = Math.floor(random() * 65000);
    const last = first + (random() < 0.5 ? 0 : Math.floor(random() * 100));
    return {
      id: `r${i}`,
      action: pick(['allow', 'deny'] as const),
      sources: wide === 'src' ? [] : [prefix()],
      destinations: wide === 'dst' ? [] : [prefix()],
      protocol,
      ports: (protocol === 'tcp' || protocol === 'udp') && random() < 0.7 ? [{ first, last }] : [],
    };
  });
}

describe('groupRules on a large random list', () => {
  it('keeps 10,000 rules of two actions to few lookups', () => {
    const groups = groupRules(largeList(10_000, 42));
    const sets = groups.reduce((n, g) => n + g.layers.length, 0);
    // 21 groups and 35 sets today. The groups cannot be fewer: the list holds a chain of 21 rules, each overlapping
    // the one before and of the other action (the wide rules), and each must come after the one before it.
    expect(groups.length).toBeLessThanOrEqual(30);
    expect(sets).toBeLessThanOrEqual(60);
  });
});
