import { describe, expect, it } from '@jest/globals';
import { numberToIpv4, ipv4ToNumber } from '../../../runtime/net/cidr.js';
import type { FirewallDesired, PolicyRule } from '../types.js';
import { compileFirewall } from './compile.js';
import { evaluateCompiled } from './evaluate.js';
import { elementHash, MAX_SHARD_ELEMENTS, shardCount, splitShards } from './shards.js';

const BASE = ipv4ToNumber('10.0.0.0');

/** n disjoint one-address deny rules: one layer of n elements. */
function denyEach(n: number): FirewallDesired {
  const rules: PolicyRule[] = Array.from({ length: n }, (_, i) => ({
    id: `big/rules[${i}]`,
    action: 'deny',
    sources: [`${numberToIpv4(BASE + i)}/32`],
    destinations: [],
    protocol: 'tcp',
    ports: [{ first: 22, last: 22 }],
  }));
  return { forward: { rules, defaultAction: 'allow' } };
}

const elements = (n: number): string[] => Array.from({ length: n }, (_, i) => `${numberToIpv4(BASE + i)}/32 . x`);

describe('shardCount', () => {
  it('is one set up to the cap, then the next power of two that keeps shards under it on average', () => {
    expect([0, 1, MAX_SHARD_ELEMENTS].map(shardCount)).toEqual([1, 1, 1]);
    expect([MAX_SHARD_ELEMENTS + 1, 2 * MAX_SHARD_ELEMENTS].map(shardCount)).toEqual([2, 2]);
    expect([2 * MAX_SHARD_ELEMENTS + 1, 4 * MAX_SHARD_ELEMENTS, 10_796].map(shardCount)).toEqual([4, 4, 16]);
  });
});

describe('splitShards', () => {
  it('keeps every element in its shard whatever else the layer holds, so an edit moves nothing else', () => {
    const list = elements(3000);
    const shardOf = (split: string[][], e: string): number => split.findIndex((s) => s.includes(e));
    const before = splitShards(list, list.map(elementHash));
    const edited = [...list.slice(0, 1000), 'edited', ...list.slice(1001)];
    const after = splitShards(edited, edited.map(elementHash));
    expect(after).toHaveLength(4);
    for (const e of list.filter((_, i) => i !== 1000 && i % 97 === 0))
      expect(shardOf(after, e)).toBe(shardOf(before, e));
    expect(before.flat().sort()).toEqual([...list].sort());
  });

  it('keeps policy order within a shard and spreads a layer fairly evenly', () => {
    const list = elements(4096);
    const split = splitShards(list, list.map(elementHash));
    for (const shard of split) {
      expect(shard).toEqual(list.filter((e) => shard.includes(e)));
      expect(shard.length).toBeGreaterThan(MAX_SHARD_ELEMENTS / 2);
      expect(shard.length).toBeLessThan(MAX_SHARD_ELEMENTS * 1.5);
    }
  });
});

describe('a compiled layer over the cap', () => {
  const compiled = compileFirewall(denyEach(2500));
  const forward = compiled.table.chains[0];

  it('becomes one set and one lookup rule per shard, consecutive, all of the layer action', () => {
    expect(compiled.table.sets.map((s) => s.name)).toEqual(['f0s0', 'f0s1', 'f0s2', 'f0s3']);
    expect(compiled.table.sets.flatMap((s) => s.elements)).toHaveLength(2500);
    expect(forward?.rules.map((r) => r.comment)).toEqual([
      'firewall/forward/established',
      'firewall/forward/f0s0',
      'firewall/forward/f0s1',
      'firewall/forward/f0s2',
      'firewall/forward/f0s3',
      'firewall/forward/default',
    ]);
    expect(forward?.rules[3]?.expr).toEqual([expect.anything(), { counter: null }, { drop: null }]);
  });

  it('is one group in status and explain: the base set name, its first lookup rule and the shard count', () => {
    expect(compiled.groups).toEqual([
      { chain: 'forward', set: 'f0', action: 'deny', ruleIndex: 1, shards: 4, ruleIds: expect.any(Array) },
    ]);
    const desired = denyEach(2500);
    const verdicts = [0, 777, 2499].map((i) =>
      evaluateCompiled(
        compiled,
        'forward',
        { src: numberToIpv4(BASE + i), dst: '1.1.1.1', protocol: 'tcp', dport: 22 },
        desired,
      ),
    );
    expect(verdicts).toEqual([0, 777, 2499].map((i) => ({ action: 'deny', group: 'f0', ruleId: `big/rules[${i}]` })));
  });
});
